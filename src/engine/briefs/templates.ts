/**
 * The bundled brief templates. An operator overrides either by putting `worker.md` or
 * `critic.md` in `<state_dir>/briefs/` (see render.ts); these are the defaults.
 */

export const workerTemplate = `You are working on issue #{{issue_number}} of this repository, in a git worktree on branch \`{{branch}}\` (based on \`{{base_branch}}\`). This is attempt {{attempt}} of at most {{max_attempts}}.

# Issue #{{issue_number}}: {{issue_title}}

{{issue_body}}

{{feedback}}

# How to work

- Make the change the issue asks for, with tests that show it works.
- Run the project's checks before you finish: {{checks}}
- Commit your work on this branch with a clear message. Do not push and do not open a pull request: forge-loop does that after its checks and critic pass.
- Stay inside this worktree. Do not change CI configuration or unrelated files.
`;

export const criticTemplate = `You are the critic for a change that addresses issue #{{issue_number}}: {{issue_title}}. Review the diff against the issue and decide whether it can merge.

# The issue (its acceptance criteria are the standard)

{{issue_body}}

# Repository guidance

{{manifesto}}

# Findings from earlier rounds

{{prior_findings}}

# The diff ({{changed_lines}} changed lines)

\`\`\`diff
{{diff}}
\`\`\`

# How to judge

Report each problem as a finding with a severity and a category.
- Severities: sev1 = wrong, unsafe or breaks something (blocks); sev2 = must be fixed before merge; sev3 = worth fixing, does not block.
- Categories: correctness, security, tests, product, performance, architecture, style, docs, spec.
- No scaffolding: an added backend, adapter or integration with no consumer in the same change is a sev2 \`product\` finding.
- A new public function without an adversarial test (bad input, edge cases, failure paths) is a sev2 \`tests\` finding.
- Approve only what you would merge yourself. An approval with no findings on a large diff is treated as suspicious.

# Answer

End your answer with exactly one JSON object, and nothing after it:

{"overall": "approve | request_changes | block", "summary": "one paragraph", "findings": [{"severity": "sev1|sev2|sev3", "category": "…", "file": "path", "line": 1, "message": "what is wrong", "fix": "what to do"}]}
`;
