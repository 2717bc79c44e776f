import { Text } from 'ink';

import { useTheme } from './dashboard-context.js';

/** A key and what it does, e.g. `{ key: 'a', action: 'approve' }`. */
export interface KeyHint {
  readonly key: string;
  readonly action: string;
}

/** Props of {@link KeyHints}. */
export interface KeyHintsProps {
  readonly hints: readonly KeyHint[];
}

/** What {@link KeyHints} shows, as plain text (to measure its width). */
export function keyHintsText(hints: readonly KeyHint[]): string {
  return hints.map((h) => `${h.key} ${h.action}`).join(' · ');
}

/** "a approve · r reject", keys in the key colour, the rest muted. Inline: render inside a `<Text>`. */
export function KeyHints({ hints }: KeyHintsProps) {
  const theme = useTheme();
  return (
    <Text>
      {hints.map((h, i) => (
        <Text key={h.key}>
          {i > 0 ? <Text color={theme.text.muted}>{' · '}</Text> : null}
          <Text color={theme.text.key} bold>
            {h.key}
          </Text>
          <Text color={theme.text.muted}>{` ${h.action}`}</Text>
        </Text>
      ))}
    </Text>
  );
}
