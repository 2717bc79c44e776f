import { ansiTheme } from './ansi.js';
import { darkTheme } from './dark.js';
import { lightTheme } from './light.js';
import type { Theme } from './types.js';

export type { Theme } from './types.js';
export { ansiTheme, darkTheme, lightTheme };

/** Every built-in theme by the name `--theme NAME` takes. */
export const THEMES = { ansi: ansiTheme, dark: darkTheme, light: lightTheme } as const satisfies Record<
  string,
  Theme
>;

/** A built-in theme name. */
export type ThemeName = keyof typeof THEMES;

/** The theme used when none is named: 16 colours follow the user's own palette. */
export const DEFAULT_THEME: ThemeName = 'ansi';

/** Whether `name` is a built-in theme (for validating `--theme`). */
export function isThemeName(name: string): name is ThemeName {
  return Object.hasOwn(THEMES, name);
}
