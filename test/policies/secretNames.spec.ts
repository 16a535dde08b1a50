/**
 * Which environment variables and fields count as secret: the variables NocoBase 2.2.15 and the
 * PostgreSQL image document for secrets, two other common shapes, and plain ones beside them,
 * written out here rather than taken from the rule.
 */
import * as assert from "node:assert/strict";
import { isSecretEnv, isSecretField } from "../../policies/secretNames";

describe("secret names", () => {
    const SECRET_VARIABLES = [
        "APP_KEY",
        "DB_PASSWORD",
        "INIT_ROOT_PASSWORD",
        "APP_AES_SECRET_KEY",
        "APP_SUPERVISOR_AES_SECRET_KEY",
        "POSTGRES_PASSWORD",
        "NOCOBASE_API_KEY",
        "GITHUB_TOKEN",
    ];
    const PLAIN_VARIABLES = [
        "APP_ENV",
        "APP_PORT",
        "DB_HOST",
        "DB_USER",
        "DB_DATABASE",
        "TZ",
        "KEYCLOAK_HOST",
        "PASSWORDLESS",
    ];

    for (const name of SECRET_VARIABLES)
        it(`${name} is a secret, whatever it holds`, () => assert.equal(isSecretEnv(name, "x"), true));
    for (const name of PLAIN_VARIABLES)
        it(`${name} is not, unless it holds a URL with a password`, () => {
            assert.equal(isSecretEnv(name, "value"), false);
            assert.equal(isSecretEnv(name, "https://example.com/x"), false);
            assert.equal(isSecretEnv(name, "postgres://nocobase:pw@db:5432/nocobase"), true);
        });
    it("a URL with a user but no password is not a secret", () => {
        assert.equal(isSecretEnv("APP_COMMAND_REDIS_URL", "redis://default@redis:6379"), false);
        assert.equal(isSecretEnv("APP_COMMAND_REDIS_URL", "redis://:pw@redis:6379"), true);
    });

    it("fields named like a credential hold one; fields that name where one is do not", () => {
        for (const name of ["password", "adminPassword", "apiKey", "jwtSecret", "token", "credentials"])
            assert.equal(isSecretField(name), true, name);
        for (const name of ["secretName", "tokenRef", "secretKeyRef", "host", "username", "keys"])
            assert.equal(isSecretField(name), false, name);
    });
});
