import { createContext, useContext } from 'react';
import { useStore } from 'zustand';

import type { Command } from '../src/state/bridge.js';
import type { DashboardState, DashboardStore } from '../src/state/store.js';
import type { Theme } from '../themes/index.js';

/** What every dashboard component may reach: the store (read), commands (write), the theme. */
export interface DashboardContextValue {
  readonly store: DashboardStore;
  readonly dispatch: (command: Command) => void;
  readonly theme: Theme;
}

/** Provided once by `App`. */
export const DashboardContext = createContext<DashboardContextValue | null>(null);

/**
 * The dashboard context.
 * @throws Error when used outside `App` (or a test's provider)
 */
export function useDashboard(): DashboardContextValue {
  const value = useContext(DashboardContext);
  if (!value)
    throw new Error('dashboard components must be rendered inside <App> or a DashboardContext provider');
  return value;
}

/**
 * Reads one slice of the store; the component re-renders only when that slice changes. The
 * selector must return a stable reference (a primitive, a stored object, or a memoised selector);
 * wrap object-building selectors in `useShallow`.
 */
export function useDashboardState<U>(selector: (state: DashboardState) => U): U {
  return useStore(useDashboard().store, selector);
}

/** The active theme's tokens. */
export function useTheme(): Theme {
  return useDashboard().theme;
}
