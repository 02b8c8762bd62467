// Tailwind 3 with the Temporal UI library's theme (its colours, surfaces and text styles). The
// library's classes live in its compiled components, so they are part of the content scanned.
// The theme plugin is imported by file path: the package's exports map only resolves under a bundler
// (its files import each other without extensions), and Tailwind's config loader is not one.
import { fontFamily } from 'tailwindcss/defaultTheme';
import temporal, { textStyles } from '../node_modules/@temporalio/ui/dist/theme/plugin.js';

/** @type {import('tailwindcss').Config} */
export default {
  content: ['./src/**/*.{html,js,svelte,ts}', '../node_modules/@temporalio/ui/dist/**/*.{svelte,js}'],
  darkMode: ['selector', '[data-theme="dark"]'],
  theme: {
    fontFamily: {
      // The library's bundled font registers under this name (@fontsource-variable/inter).
      sans: ['Inter Variable', 'Inter', ...fontFamily.sans],
      mono: ['Noto Sans Mono', ...fontFamily.mono],
    },
    extend: { animation: { 'spin-slow': 'spin 3s linear infinite' }, zIndex: { 100: '100' } },
  },
  plugins: [temporal, textStyles],
};
