/** The subject as the panel shows it: without the `XDM/1.0/DDM+` prefix (SC.MSS/UX.28). Pure. */
const XDM_PREFIX = /^\s*XDM\/1\.0\/DDM\+?\s*/i;

export function subjectWithoutXdmPrefix(subject: string | null | undefined): string {
  return (subject ?? "").replace(XDM_PREFIX, "");
}
