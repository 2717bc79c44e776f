import type { PermissionDecision, PermissionRequest } from './types.js';

/**
 * One pane line for a tool request and haco's answer, from the request's action (the same shape
 * as Claude Code's lines): `? apply_patch(src/a.ts, b.ts) — allowed`, `? Bash(npm test) — denied`.
 */
export function describeAsked(request: PermissionRequest, decision: PermissionDecision): string {
  const { action } = request;
  const target =
    action.kind === 'write'
      ? action.paths.join(', ')
      : action.kind === 'shell'
        ? (action.command.split('\n')[0] ?? '').slice(0, 200)
        : '';
  return `? ${request.tool}(${target}) — ${decision.behavior === 'allow' ? 'allowed' : 'denied'}`;
}
