import { useCallback, useRef, useState } from "react";
import { initialUiState, reduceUi, type UiAction, type UiState } from "../state/ui-state.js";

/**
 * The UI reducer, applied synchronously so that keys arriving in one batch each see the
 * state the previous one left (React state alone would hand them all the same snapshot).
 */
export function useUiReducer(): [UiState, (action: UiAction) => void, () => UiState] {
  const [ui, setUi] = useState(initialUiState);
  const current = useRef(ui);
  const dispatch = useCallback((action: UiAction) => {
    current.current = reduceUi(current.current, action);
    setUi(current.current);
  }, []);
  const read = useCallback(() => current.current, []);
  return [ui, dispatch, read];
}
