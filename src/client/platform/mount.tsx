import type { ComponentChild } from 'preact';
import { render } from 'preact';

export function mount(page: ComponentChild): void {
  const root = document.getElementById('app');
  if (root) render(page, root);
}
