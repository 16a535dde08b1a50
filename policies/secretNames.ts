/**
 * What counts as a secret by name or by content: an environment variable named like one (which
 * covers every variable NocoBase and PostgreSQL read a secret from: APP_KEY, DB_PASSWORD,
 * INIT_ROOT_PASSWORD, APP_AES_SECRET_KEY, POSTGRES_PASSWORD), any input field named like a
 * credential, and a URL that carries a password (`redis://:pw@host`), whatever its variable's name.
 * Shared by the pack (which cannot see secret marks) and the plan (which can).
 */
const SECRET_WORD = /(^|_)(PASSWORD|PASSWD|SECRET|TOKEN)(_|$)|(^|_)(API_)?KEY$/;
const SECRET_FIELD = /password|secret|credential|token|apikey/i;
/** `secretName`, `secretRef`, `secretKeyRef` name where a secret is, they do not hold it. */
const REFERENCE_FIELD = /(Name|Ref)$/;
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]+@/i;

/** Whether an environment variable with this name and value holds a secret. */
export function isSecretEnv(name: string, value: string): boolean {
    return SECRET_WORD.test(name) || URL_WITH_PASSWORD.test(value);
}

/** Whether a resource input field of this name holds a secret. */
export function isSecretField(name: string): boolean {
    return SECRET_FIELD.test(name) && !REFERENCE_FIELD.test(name);
}
