/**
 * The real-component suites that exercise what the single executable ships (the command line, the
 * native-messaging host, the token worker, the card watcher, the directory commands). `npm run
 * test:executable` runs them against dist/sea/mss-bridge; CI's source run of the real stage leaves
 * them out (`npm test -- --without-executable-suites`), so each is run once, against what ships.
 */
/** Path prefixes of the suites (vitest takes them as file filters). */
export const EXECUTABLE_SUITES = [
  "test/real/cli-",
  "test/real/native-host-",
  "test/real/token-",
  "test/real/card-",
  "test/real/directory-cli",
];

/** The same suites as vitest `--exclude` globs. */
export const EXECUTABLE_SUITE_GLOBS = EXECUTABLE_SUITES.map((prefix) => `**/${prefix}*.test.ts`);
