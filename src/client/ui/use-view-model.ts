import { useEffect, useState } from 'preact/hooks';
import type { ViewModel } from './view-model.js';

export function useViewModel<S extends object>(model: ViewModel<S>): S {
  const [state, setState] = useState(model.state);
  useEffect(() => {
    setState(model.state);
    return model.subscribe(setState);
  }, [model]);
  return state;
}
