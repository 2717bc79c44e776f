import type { PermissionAction, PermissionDecision, PermissionRequest } from './types.js';

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

/**
 * A reader of the requests an adapter's hook sends on the ask channel, shaped `{tool, input, …}`
 * (`tool` a non-empty string; `input` an object, else `{}`): returns undefined for anything else,
 * and request ids `<prefix>-1`, `<prefix>-2`, … in arrival order.
 * @param toAction reads what the call would do from the tool, its input and the whole message
 */
export function askRequestReader(
  prefix: string,
  toAction: (tool: string, input: Readonly<Record<string, unknown>>, message: object) => PermissionAction,
): (message: unknown) => PermissionRequest | undefined {
  let count = 0;
  return (message) => {
    if (!message || typeof message !== 'object') return undefined;
    const m = message as { tool?: unknown; input?: unknown };
    if (typeof m.tool !== 'string' || m.tool === '') return undefined;
    const input = m.input && typeof m.input === 'object' ? (m.input as Record<string, unknown>) : {};
    return {
      requestId: `${prefix}-${++count}`,
      tool: m.tool,
      input,
      action: toAction(m.tool, input, message),
    };
  };
}
