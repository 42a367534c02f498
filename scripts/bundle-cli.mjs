// Bundles the `tmuxorch` binary into dist/bin/ after `tsc` has built dist/. Why: a CLI call
// spends most of its own time resolving and compiling ~40 ES modules one file at a time; one
// bundled entry (with each command's lazy imports split into chunks that load only when that
// command runs) starts ~30 ms faster. The library entry (dist/index.js) stays unbundled.
// dist/bin/ sits two levels below the package root, as dist/controller/ does, so code that finds
// package.json relative to its own file works in both builds.
import { build } from 'esbuild';
import { builtinModules } from 'node:module';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/bin`;

// Node built-ins are loaded with require(), not import: an ES import of a built-in builds a facade
// that reads every export (fs's streams, all of crypto), ~15 ms of start-up for a CLI call.
const builtins = new Set(builtinModules);
const builtinsViaRequire = {
  name: 'builtins-via-require',
  setup(build) {
    build.onResolve({ filter: /^[a-z_:/]+$/ }, (args) => {
      const name = args.path.replace(/^node:/, '');
      if (!builtins.has(name) || args.kind !== 'import-statement') return undefined;
      return { path: name, namespace: 'builtin' };
    });
    build.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({
      contents: `module.exports = require('node:${args.path}');`,
      loader: 'js',
    }));
  },
};

await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints: { tmuxorch: `${root}dist/cli.js`, 'tmuxorch-sim': `${root}dist/sim/main.js` },
  outdir,
  bundle: true,
  splitting: true,
  minify: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // CommonJS dependencies (commander, winston) call require() for Node built-ins.
  banner: {
    js: "import{createRequire as __tmuxorchRequire}from'node:module';const require=__tmuxorchRequire(import.meta.url);",
  },
  legalComments: 'none',
  plugins: [builtinsViaRequire],
  logLevel: 'warning',
});
