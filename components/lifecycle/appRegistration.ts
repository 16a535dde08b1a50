/**
 * A NocoBase app registered with the entry app: the resource the program declares per tenant. Its
 * provider (components/lifecycle/appProvider.ts) creates, updates, reads and removes the registration through
 * the entry app's supervisor API.
 */
import * as pulumi from "@pulumi/pulumi";
import type { StartMode, Supervisor } from "../core/modes";
import { AppDatabase, DesiredState, PROVIDER_VERSION } from "./appProvider";
import { BundledDynamicResource } from "./providerBundle";
import type { AppStatus, Credentials } from "../supervisor";
import { TYPES } from "../core/typeTokens";

export interface NocoBaseAppArgs {
    /** Base URL of the entry app as reachable from where `pulumi up` runs. */
    entryUrl: pulumi.Input<string>;
    adapter: pulumi.Input<Supervisor>;
    /**
     * Secret: the stack's root admin, or the API key of an adopted entry app. NOCOBASE_API_KEY in the
     * environment wins when set.
     */
    credentials: pulumi.Input<Credentials>;
    appId: pulumi.Input<string>;
    displayName: pulumi.Input<string>;
    cname?: pulumi.Input<string | undefined>;
    environment: pulumi.Input<string>;
    startMode: pulumi.Input<StartMode>;
    state: pulumi.Input<DesiredState>;
    /** Secret. Absent: the app accepts the entry app's sessions. */
    jwtSecret?: pulumi.Input<string | undefined>;
    /**
     * Where the app's data is. Only the password is secret: a reviewer reading the preview sees which
     * database or schema an app points at.
     */
    database: pulumi.Input<Omit<AppDatabase, "password"> & { password: pulumi.Input<string> }>;
    upgrade: pulumi.Input<boolean>;
    /**
     * The stack file says the app shares the entry app's sessions on purpose. The provider ignores
     * it; it is an input so that policies, which see only resources, can see the acknowledgment.
     */
    sharedSessionsAcknowledged?: pulumi.Input<boolean>;
}

/** Resolved once: every app's constructor names the same provider module. */
const PROVIDER_MODULE = require.resolve("./appProvider");

export class NocoBaseApp extends BundledDynamicResource {
    /** NocoBase's status for the app when it was last created, updated or refreshed. */
    declare readonly observedStatus: pulumi.Output<AppStatus>;
    declare readonly observedAt: pulumi.Output<string>;

    constructor(name: string, args: NocoBaseAppArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            PROVIDER_MODULE,
            TYPES.app,
            name,
            { ...args, providerVersion: PROVIDER_VERSION, observedStatus: undefined, observedAt: undefined },
            ["credentials", "secretsFingerprint"],
            opts,
        );
    }
}
