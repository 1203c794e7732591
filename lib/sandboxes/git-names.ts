// Shared by route schemas and lib/sandboxes/git.ts (no server-only: it is pure).

/** A branch name git accepts and that cannot be read as an option. */
export function validBranchName(name: string): boolean {
  return (
    /^[A-Za-z0-9._/-]{1,200}$/.test(name) &&
    !name.startsWith("-") &&
    !name.startsWith("/") &&
    !name.endsWith("/") &&
    !name.endsWith(".lock") &&
    !name.endsWith(".") &&
    !name.includes("..") &&
    !name.includes("//") &&
    !name.includes("@{") &&
    !name.split("/").some((part) => part.startsWith("."))
  );
}
