import type { UserView } from '../../protocol/api.js';
import { roleWords } from '../lib/format.js';

export interface SiteHeaderProps {
  user: UserView | null;
  onSignOut: () => void;
  signingOut?: boolean;
}

export function SiteHeader({ user, onSignOut, signingOut = false }: SiteHeaderProps) {
  return (
    <header class="site-header">
      <a class="brand" href={user?.role === 'admin' ? '/dashboard' : '/appointments'}>
        carecall
      </a>
      {user?.role === 'admin' && (
        <nav aria-label="Hospital" class="site-header__nav">
          <a href="/dashboard">Today</a> <a href="/appointments">Appointments</a> <a href="/people">People</a>{' '}
          <a href="/policy">Policy</a> <a href="/analytics">Reports</a> <a href="/audit">Audit</a>
        </nav>
      )}
      {user && (
        <div class="site-header__user">
          <span class="site-header__name">
            {user.displayName}
            <span class="site-header__role"> · {roleWords(user.role)}</span>
          </span>
          <button type="button" class="button button--quiet" onClick={onSignOut} disabled={signingOut}>
            Sign out
          </button>
        </div>
      )}
    </header>
  );
}
