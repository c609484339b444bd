/**
 * A text with the password of every URL in it (`scheme://user:password@host`) replaced by `***`, as npm
 * shows URLs: peer URLs given on the command line (`--rabbitmq-url amqp://user:secret@host`) end up in
 * the result files, which are committed, and in the reasons a peer was skipped.
 */
export function redactCredentials(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s@/]*@/gi, '$1:***@');
}
