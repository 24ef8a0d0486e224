/** What a command may print; the entry point binds it to the process, tests to buffers. */
export interface CommandIO {
  stdout(text: string): void;
  stderr(text: string): void;
}
