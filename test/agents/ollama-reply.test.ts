import { applyPatch, parsePatch } from 'diff';
import { describe, expect, it } from 'vitest';

import { extractArtifact, extractDiff, fencedBlocks, parseDraftReply } from '../../agents/ollama-reply.js';

const DIFF = [
  'diff --git a/src/a.ts b/src/a.ts',
  'index 1111111..2222222 100644',
  '--- a/src/a.ts',
  '+++ b/src/a.ts',
  '@@ -1,2 +1,2 @@',
  ' export const a = 1;',
  '-export const b = 2;',
  '+export const b = 3;',
  'diff --git a/src/new.ts b/src/new.ts',
  'new file mode 100644',
  '--- /dev/null',
  '+++ b/src/new.ts',
  '@@ -0,0 +1 @@',
  '+export const c = 4;',
].join('\n');

describe('parseDraftReply', () => {
  it('reads a git-style unified diff inside chatter and a fence, one change per file, a/ b/ dropped', () => {
    const reply = `Sure! Here is the change:\n\n\`\`\`diff\n${DIFF}\n\`\`\`\n\nLet me know if you need more.`;
    const parsed = parseDraftReply(reply);
    if ('error' in parsed) throw new Error(parsed.error);
    expect(parsed.changes.map((c) => [c.kind, c.path])).toEqual([
      ['patch', 'src/a.ts'],
      ['patch', 'src/new.ts'],
    ]);
    // Each change's patch applies on its own.
    const [first, second] = parsed.changes;
    if (first?.kind !== 'patch' || second?.kind !== 'patch') throw new Error('expected patches');
    expect(applyPatch('export const a = 1;\nexport const b = 2;\n', parsePatch(first.patch)[0]!)).toBe(
      'export const a = 1;\nexport const b = 3;\n',
    );
    expect(parsePatch(second.patch)[0]?.oldFileName).toBe('/dev/null');
  });

  it('reads whole-file blocks, dropping a fence around the content and adding one final newline', () => {
    const reply = [
      'Here you go:',
      '=== FILE: src/a.ts ===',
      '```ts',
      'export const a = 1;',
      '```',
      '=== END FILE ===',
      '=== FILE: docs/b.md ===',
      '# B',
      '',
      '=== END FILE ===',
    ].join('\n');
    expect(parseDraftReply(reply)).toEqual({
      changes: [
        { kind: 'file', path: 'src/a.ts', content: 'export const a = 1;\n' },
        { kind: 'file', path: 'docs/b.md', content: '# B\n' },
      ],
    });
  });

  it('refuses a reply with neither, an unclosed block, and a diff without hunks, with a line the model can act on', () => {
    expect(parseDraftReply('I would change a.ts to add a function.')).toEqual({
      error: 'the reply holds neither a unified diff nor "=== FILE: path ===" blocks',
    });
    expect(parseDraftReply('=== FILE: a.ts ===\nx\n')).toEqual({
      error: 'the block for "a.ts" has no "=== END FILE ===" line',
    });
    expect(parseDraftReply('--- a/x\n+++ b/x\n')).toHaveProperty('error');
  });
});

describe('extractArtifact (haco worker)', () => {
  it('keeps only the longest fenced block of a chatty reply, without fence lines', () => {
    const reply =
      'Sure, here it is:\n```ts\nexport function add(a: number, b: number) {\n  return a + b;\n}\n```\nUse it like `add(1, 2)`:\n```\nadd(1, 2)\n```\nHope this helps!';
    expect(extractArtifact(reply, false)).toBe(
      'export function add(a: number, b: number) {\n  return a + b;\n}\n',
    );
  });

  it('returns an unfenced reply whole, trimmed, with one final newline', () => {
    expect(extractArtifact('\n\nconst x = 1;\n\n\n', false)).toBe('const x = 1;\n');
  });

  it('with --diff keeps only the diff: fenced, or from its first header to the last diff line', () => {
    expect(extractArtifact(`Here:\n\`\`\`diff\n${DIFF}\n\`\`\`\nDone.`, true)).toBe(`${DIFF}\n`);
    expect(extractDiff(`The diff:\n${DIFF}\nThat is all, thanks.`)).toBe(`${DIFF}\n`);
    expect(extractArtifact('No diff here, sorry.', true)).toBeUndefined();
  });

  it('reads fences of tildes and longer backtick runs, and an unclosed fence', () => {
    expect(fencedBlocks('~~~py\nprint(1)\n~~~\n````\na\n```\nb\n````\n```\ncut')).toEqual([
      { info: 'py', body: 'print(1)' },
      { info: '', body: 'a\n```\nb' },
      { info: '', body: 'cut' },
    ]);
  });
});
