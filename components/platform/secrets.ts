/**
 * The platform's random secrets, made once per stack by @pulumi/random, and the per-app secrets
 * derived from them.
 *
 * Per-app database passwords and JWT secrets are HMAC-SHA256 of a random stack key and the app id:
 * each app gets its own value, no app's value reveals another's or the key, and adding a tenant
 * costs no extra resource (see README, Scale).
 */
import { createHmac } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { TYPES } from "../core/typeTokens";

export interface PlatformSecretsArgs {
    /**
     * Whether the stack runs any NocoBase process. An adopted entry app without workers has its own
     * APP_KEY and root account, so none is made for it; the derived secrets remain, for the tenants.
     */
    runsNocobase: boolean;
}

export class PlatformSecrets extends pulumi.ComponentResource {
    /** APP_KEY (signs sessions and API keys) and INIT_ROOT_PASSWORD of every NocoBase instance this stack runs. */
    readonly instance?: { appKey: pulumi.Output<string>; adminPassword: pulumi.Output<string> };
    /** APP_AES_SECRET_KEY / APP_SUPERVISOR_AES_SECRET_KEY: 64 hex characters. */
    readonly aesKey: pulumi.Output<string>;
    private readonly derivationKey: pulumi.Output<string>;

    constructor(name: string, args: PlatformSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        super(TYPES.platformSecrets, name, {}, opts);
        const password = (role: string, length: number) =>
            new random.RandomPassword(`${name}-${role}`, { length, special: false }, { parent: this }).result;
        if (args.runsNocobase)
            this.instance = { appKey: password("app-key", 48), adminPassword: password("admin-password", 24) };
        // Secret once here, so that every value derived from it is secret without a wrapper per app.
        this.derivationKey = pulumi.secret(password("derivation-key", 64));
        // Derived, not a RandomId: a RandomId's id is its bytes in base64url, and the engine cannot
        // make an id secret, so the key would sit in plain text in the state.
        this.aesKey = this.derive("aes");
        this.registerOutputs({});
    }

    /** A secret for one purpose ("db:crm", "jwt:crm"), stable for as long as the stack key is. */
    derive(purpose: string): pulumi.Output<string> {
        return this.derivationKey.apply((key) => deriveSecret(key, purpose));
    }
}

export function deriveSecret(key: string, purpose: string): string {
    return createHmac("sha256", key).update(purpose).digest("hex");
}
