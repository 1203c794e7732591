"use client";

import { useState } from "react";

/**
 * The submit state every form shares. `action` gets the form's fields and answers the message to
 * show when it failed, or null when it went on (it navigates away, so the form stays pending).
 */
export function useFormSubmit(action: (form: FormData) => Promise<string | null>) {
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(null);
    const failure = await action(form);
    if (failure === null) return;
    setPending(false);
    setError(failure);
  }

  return { error, pending, onSubmit };
}
