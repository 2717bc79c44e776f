/**
 * What `haco init` writes (README, "haco init"): the commented repository config layer, the ticket
 * prompt template, the `bin/worker` bridge script and the supervisor rules block. The worker
 * contract and the rules come from the original HACO specification (issue 9).
 */

/** The first line of the supervisor rules block in CLAUDE.md / AGENTS.md. */
export const RULES_BEGIN = '<!-- haco:begin -->';
/** The last line of the supervisor rules block. */
export const RULES_END = '<!-- haco:end -->';

/**
 * The marker that makes a `bin/worker` haco's: `haco init` rewrites a `bin/worker` holding a line
 * that starts with it, and keeps any other `bin/worker` untouched.
 */
export const WORKER_MARKER = '# haco:worker';

/**
 * The repository layer `.haco/config.yaml` made from the built-in config.yaml: every setting is
 * commented out (`# ` before each line that is not blank or a comment already), so the file parses
 * to nothing and changes nothing until the user uncomments a line; the built-in comments stay, so
 * each setting keeps its documentation. Uncommenting a line gives back the built-in line.
 * @param builtin the text of the built-in config.yaml
 * @param version haco's version, named in the header
 */
export function commentedConfig(builtin: string, version: string): string {
  const header = [
    '# haco configuration for this repository: the third layer of four (built-in defaults <',
    '# ~/.config/haco/config.yaml < this file < --config FILE); objects merge key by key.',
    `# Written by \`haco init\` from the built-in defaults of haco-tui ${version}. Every setting is`,
    '# commented out, so this file changes nothing until you uncomment one: remove the "# " in front',
    '# of the setting and of the keys above it (e.g. "# concurrency: 4" -> "concurrency: 2").',
    '# haco init never overwrites this file.',
    '',
  ];
  const body = builtin
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => (line.trim() === '' || line.trimStart().startsWith('#') ? line : `# ${line}`));
  return `${[...header, ...body].join('\n')}\n`;
}

/**
 * `.haco/prompts/ticket.md`: the ticket a supervisor fills in and hands to the local worker
 * (`bin/worker < ticket.md`). Its placeholders (`{{name}}`) are documented in its first comment.
 * The whole-file form is the one the ollama worker reads (agents/ollama-reply.ts).
 */
export const TICKET_TEMPLATE = `<!--
HACO ticket: the prompt a supervisor gives the local worker (bin/worker < ticket.md, or
haco worker). Written by \`haco init\`; copy it for each ticket and replace every placeholder:
  {{goal}}           one sentence: what the draft is for
  {{context}}        what the worker must know, since it sees nothing else: the project, language
                     and versions, conventions, and the code around the change (paste the parts)
  {{target_files}}   the only files the draft may create or change, one repo-relative path a line
  {{signatures}}     the exact signatures to implement or keep: functions, types, classes, flags
  {{requirements}}   numbered, testable requirements: behaviour, edge cases, errors, what not to do
  {{current_files}}  the current content of each target file, or "(new file)"
The "Output format" section needs no change (keep one of its two forms to insist on it;
bin/worker --diff asks for the diff).
Delete this comment before sending: everything below it is the prompt.
-->
# Ticket: {{goal}}

## Context

{{context}}

## Target files

Only these files; do not create, change or mention any other:

{{target_files}}

## Signatures

Implement or keep exactly these:

{{signatures}}

## Requirements

{{requirements}}

## Current content of the target files

{{current_files}}

## Output format

Reply with the artifact only, no explanation before or after it, in one of two forms:

- one unified diff, git style: \`--- a/PATH\` and \`+++ b/PATH\` headers, \`@@\` hunks with three
  lines of context; a new file comes from \`--- /dev/null\`;
- or each target file whole, between a line \`=== FILE: path/to/file ===\` and a line
  \`=== END FILE ===\`.

Only the target files above. No placeholders, no "rest unchanged" or "..." elisions: every hunk must
apply to the current content and every whole file must be complete.
`;

/**
 * `bin/worker`: the bridge of the original HACO specification as a POSIX sh script calling
 * `haco worker` (prompt as argument or stdin, only the artifact out; `--json` for the service
 * contract). `HACO_BIN` names the haco program (default `haco` on PATH); without one it exits 2.
 */
export const WORKER_SCRIPT = `#!/bin/sh
${WORKER_MARKER} (written by haco init, which rewrites this file while this line is here;
# delete the line to keep your own version)
#
# The local worker of HACO: a local model (Ollama) drafts code; it never writes to disk.
#   bin/worker "PROMPT"           the prompt as the argument
#   bin/worker < ticket.md        the prompt on stdin (template: .haco/prompts/ticket.md)
#   bin/worker --diff ...         ask for a unified diff
#   bin/worker --model NAME ...   the model (or HACO_WORKER_MODEL; default from haco's config)
#   bin/worker --json ...         print {ok, output, error, model, duration_ms, tokens}
# Prints only the draft. Exit 0 ok, 1 model error, 2 usage error or missing model (with the
# models the server has). HACO_BIN names the haco program (default: haco on PATH).
set -eu
haco=\${HACO_BIN:-haco}
if ! command -v "$haco" >/dev/null 2>&1; then
  echo "bin/worker: $haco not found (install haco-tui, or set HACO_BIN to the haco program)" >&2
  exit 2
fi
exec "$haco" worker "$@"
`;

/**
 * The supervisor rules of the original HACO specification (plan, delegate drafts of more than ~20
 * lines, review them as untrusted, integrate, verify, commit), between {@link RULES_BEGIN} and
 * {@link RULES_END}, without a final newline.
 */
export const RULES_BLOCK = `${RULES_BEGIN}
<!-- Written by \`haco init\`, which replaces everything between these markers; write your own text outside them. -->
## Supervisor rules (haco)

You are the supervisor: you plan, review and own every change. A local model (the worker) drafts
code for you at no cost and without the code leaving this machine; it never writes to disk.

1. **Plan.** Before editing, list the steps and the files each one changes; keep every step small
   enough to verify on its own.
2. **Delegate drafts.** Any new code or rewrite of more than ~20 lines is drafted by the worker, not
   typed by you: fill in a ticket from \`.haco/prompts/ticket.md\` (context, target files,
   signatures, requirements, output format) and run \`bin/worker < ticket.md\` (or
   \`bin/worker "PROMPT"\`, or \`haco worker\`; \`--diff\` asks for a unified diff, \`--json\` gives
   \`{ok, output, error, model}\`).
3. **Review every draft as untrusted.** Read each line: it may be wrong or incomplete, touch files
   outside the ticket, add a dependency, or hide unsafe code. When a draft is unusable, ask the
   worker once more with the exact problem; then write it yourself.
4. **Integrate.** Apply only what you accept, only to the ticket's files, yourself.
5. **Verify.** Run the tests, type checks and linters the project has; fix what fails before the
   next step.
6. **Commit.** One commit per verified step, its message saying what changed and why. When haco
   runs you as a task's worker, stay inside the task's files and leave the commit to haco.

Small edits (about 20 lines or fewer), reviews and fixes are yours to write. If \`bin/worker\` exits
2 (no model, usage) or 1 (model error), say so and write the draft yourself.
${RULES_END}`;
