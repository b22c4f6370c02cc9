// A calm clinical look: a deep teal primary, neutral greys, and text colours that meet WCAG AA (4.5:1) on white.
import {
  Button,
  createTheme,
  type CSSVariablesResolver,
  type MantineColorsTuple,
  PasswordInput,
  TextInput,
} from '@mantine/core';

// Shade 7 (the filled colour) has 5.8:1 contrast with white text; shade 9 on shade 1 (light variants) 7.5:1.
const clinic: MantineColorsTuple = [
  '#e6f4f5',
  '#cce8ea',
  '#9dd3d7',
  '#6bbdc3',
  '#43aab1',
  '#2a9aa2',
  '#17868e',
  '#0f7178',
  '#0b5f65',
  '#074c51',
];

export const theme = createTheme({
  primaryColor: 'clinic',
  primaryShade: { light: 7, dark: 5 },
  colors: { clinic },
  defaultRadius: 'md',
  fontFamily:
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "Liberation Sans", sans-serif',
  headings: { fontWeight: '650' },
  components: {
    Button: Button.extend({ defaultProps: { size: 'md' } }),
    // Required fields keep `required` (announced as such) but show no asterisk: the asterisk would become part of
    // the label's text ("Email *"), and the one optional field says so in its label instead.
    TextInput: TextInput.extend({ defaultProps: { size: 'md', withAsterisk: false } }),
    PasswordInput: PasswordInput.extend({ defaultProps: { size: 'md', withAsterisk: false } }),
  },
});

// Mantine's defaults for secondary text (gray-6, 3.3:1) and errors (red-6, 3.3:1) are too light on white.
export const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': 'var(--mantine-color-gray-7)',
    '--mantine-color-error': 'var(--mantine-color-red-9)',
    '--mantine-color-red-light': 'var(--mantine-color-red-0)',
  },
  dark: {},
});
