// A fix-bugs workflow with every kind of step: plan → two implement steps → test (in the API
// step's worktree, failures handed back to it) → the loop of those three → review (a JSON output
// with a schema) → a gate → merge.
export const FIX_BUGS_YAML = `schema_version: 1
name: fix-bugs
inputs:
  issue: { type: string, required: true }
  attempts: { type: number, default: 3 }
roles:
  planner: { agent: claude, preset: planner, edits: false }
  coder: { agent: claude, model: sonnet }
  reviewer: { agent: codex, preset: reviewer, edits: false }
limits: { wall_time: 30m, cost_usd: 5, agent_turns: 40 }
steps:
  plan:
    role: planner
    prompt: "Plan a fix for \${{ inputs.issue }} in \${{ step.dir }}/plan.md"
    outputs: { plan: plan.md }
  implement-api:
    role: coder
    needs: plan
    prompt: |
      Implement the API part of \${{ steps.plan.outputs.plan.text }} (try \${{ loop.iteration }}).
      \${{ failure.output }}
  implement-ui:
    role: coder
    needs: plan
    prompt: "Implement the UI part of \${{ steps.plan.outputs.plan }}"
  test:
    run: npm test
    needs: [implement-api, implement-ui]
    workspace: { of: implement-api }
    timeout: 10m
    on_failure: { handback: implement-api, retry: 1 }
  fix:
    loop:
      steps: [implement-api, implement-ui, test]
      until: "steps.test.status == 'succeeded' || loop.iteration >= inputs.attempts"
      max_iterations: 3
    needs: plan
  review:
    role: reviewer
    needs: fix
    prompt: "Review \${{ steps.implement-api.summary }}; the tests said \${{ steps.test.output_tail }}"
    outputs:
      review:
        path: review.json
        schema: { type: object, required: [verdict], properties: { verdict: { enum: [approve, reject] } } }
  approve:
    gate: { message: "Merge the fix of \${{ inputs.issue }}?", show: [steps.review.outputs.review] }
    needs: review
    if: success()
  merge:
    merge: { steps: [implement-api, implement-ui], verify: npm test }
    needs: approve
`;

// The levels planWorkflow gives the fix-bugs fixture (steps that may run at once).
export const FIX_BUGS_LEVELS = [
  ['plan'],
  ['implement-api', 'implement-ui'],
  ['test'],
  ['fix'],
  ['review'],
  ['approve'],
  ['merge'],
];
