// The roles tmuxorch ships, usable as they are and overridable in config.json or a workflow.
// Rules are in order and the last match wins: broad allowances first, the sensitive cases after
// them (deleting trees, installing packages, the network, pushing), so those ask or are denied
// whatever came before. `tmuxorch roles show R --type T` prints what each one becomes per CLI.
import { PROTECTED_PATHS, type Role } from './role.js';
import { ruleInputSchema, type Rule } from './rule.js';

function rules(...lines: string[]): Rule[] {
  return lines.map((line) => ruleInputSchema.parse(line) as Rule);
}

// Commands that only look: the planner's, the reviewer's and everybody's. A redirection in any
// of them (`cat a > b`) is an edit of its target and is checked as one.
const READ_ONLY_COMMANDS = [
  'ls *',
  'cat *',
  'head *',
  'tail *',
  'wc *',
  'grep *',
  'rg *',
  'find *',
  'tree *',
  'file *',
  'cd *',
  'stat *',
  'du *',
  'pwd',
  'echo *',
  'printf *',
  'which *',
  'sort *',
  'uniq *',
  'cut *',
  'jq *',
  'diff *',
  'cmp *',
  'true',
  'false',
  'test *',
  'date *',
  'basename *',
  'dirname *',
  'realpath *',
  'git status *',
  'git log *',
  'git diff *',
  'git show *',
  'git blame *',
  'git ls-files *',
  'git rev-parse *',
  'git branch --list *',
  'git grep *',
].map((command) => `bash allow ${command}`);

// Looking commands that can change files or run programs anyway (a review found each of them):
// find's actions, sed -i, git's --output and its pager, sort -o, rg's preprocessor.
const WRITING_FORMS = [
  'find *-delete*',
  'find *-exec*',
  'find *-ok*',
  'find *-fprint*',
  'find *-fls*',
  'sed -i*',
  'sed *--in-place*',
  'git diff *--output*',
  'git log *--output*',
  'git show *--output*',
  'git grep *-O*',
  'git grep *--open-files-in-pager*',
  'git branch -D *',
  'sort *-o*',
  'sort *--output*',
  'rg *--pre*',
].map((command) => `bash ask ${command}`);

const TEST_COMMANDS = [
  'npm test *',
  'npm run test *',
  'npx vitest *',
  'npx jest *',
  'yarn test *',
  'pnpm test *',
  'pytest *',
  'python -m pytest *',
  'python3 -m pytest *',
  'go test *',
  'cargo test *',
  'make test *',
  'make check *',
  'node --test *',
].map((command) => `bash allow ${command}`);

const BUILD_COMMANDS = [
  'npm run *',
  'npx *',
  'node *',
  'tsc *',
  'make *',
  'cargo *',
  'go *',
  'python *',
  'python3 *',
  'mkdir *',
  'touch *',
  'cp *',
  'mv *',
  'rm *',
  'git add *',
  'git commit *',
  'git checkout *',
  'git switch *',
  'git restore *',
  'git stash *',
  'git mv *',
  'git rm *',
].map((command) => `bash allow ${command}`);

// Asked first in every built-in role that could otherwise run them (the seeds' sensitive actions).
const SENSITIVE_COMMANDS = [
  // rm's recursion in any spelling, and installs through an interpreter (the plain forms below
  // come last, so they are the rule a person reads for the usual spelling).
  'rm *-*r*',
  'rm *-*R*',
  'rm *--recursive*',
  'python -m pip *',
  'python3 -m pip *',
  'rm -rf *',
  'rm -fr *',
  'rm -r *',
  'rm -R *',
  'npm install *',
  'npm i *',
  'npm ci *',
  'npm uninstall *',
  'yarn add *',
  'pnpm add *',
  'pip install *',
  'pip3 install *',
  'apt-get *',
  'apt *',
  'curl *',
  'wget *',
  'sudo *',
  'chmod -R *',
  'chown *',
].map((command) => `bash ask ${command}`);

// Every role may write its step's own files (outputs, result.json, a verdict).
const STEP_FILES = 'edit allow ${step_dir}/**';
const READ_ALL = 'read allow **';

function role(name: string, description: string, lines: string[], sandbox = false): Role {
  return { name, description, agent: null, rules: rules(...lines), protectedPaths: PROTECTED_PATHS, sandbox };
}

export const BUILT_IN_ROLES: readonly Role[] = [
  role('planner', 'reads and plans; no edits; read-only commands', [
    READ_ALL,
    STEP_FILES,
    ...READ_ONLY_COMMANDS,
    ...WRITING_FORMS,
  ]),
  role('coder', 'edits its workspace; build and test commands; commits to its own branch; no push', [
    READ_ALL,
    'edit allow **',
    'edit ask /**',
    STEP_FILES,
    'commit allow *',
    ...READ_ONLY_COMMANDS,
    ...BUILD_COMMANDS,
    ...TEST_COMMANDS,
    ...SENSITIVE_COMMANDS,
    'bash deny git push *',
    'push deny *',
  ]),
  role('tester', 'runs the tests; no edits; no commit', [
    READ_ALL,
    STEP_FILES,
    ...READ_ONLY_COMMANDS,
    ...WRITING_FORMS,
    ...TEST_COMMANDS,
    'bash deny git commit *',
    'bash deny git push *',
  ]),
  role('reviewer', 'reads; no edits; writes only its verdict file', [
    READ_ALL,
    STEP_FILES,
    ...READ_ONLY_COMMANDS,
    ...WRITING_FORMS,
    'bash deny git commit *',
    'bash deny git push *',
  ]),
  role('security', 'reads; runs scanners; no edits', [
    READ_ALL,
    STEP_FILES,
    ...READ_ONLY_COMMANDS,
    ...WRITING_FORMS,
    ...['npm audit *', 'semgrep *', 'gitleaks *', 'trivy *', 'bandit *', 'osv-scanner *', 'pip-audit *'].map(
      (command) => `bash allow ${command}`,
    ),
    'bash deny git commit *',
    'bash deny git push *',
  ]),
  role('integrator', 'merges and commits on the integration branch; push asks first', [
    READ_ALL,
    'edit allow **',
    'edit ask /**',
    STEP_FILES,
    'commit allow *',
    ...READ_ONLY_COMMANDS,
    ...BUILD_COMMANDS,
    ...TEST_COMMANDS,
    'bash allow git merge *',
    'bash allow git rebase *',
    ...SENSITIVE_COMMANDS,
    'bash ask git push *',
    'push ask *',
  ]),
];

// Role names of earlier versions (the CLI presets), read as the role that replaced them.
export const ROLE_ALIASES: Readonly<Record<string, string>> = { implementer: 'coder' };
