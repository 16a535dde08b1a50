/**
 * The entry application: NocoBase's main app, the control plane through which every app is
 * registered, started and stopped. In shared-memory mode it also hosts the apps; in
 * multi-environment mode it is the supervisor and proxies each app to its worker.
 *
 * Adopted (`entry.external`), it is a NocoBase that runs elsewhere: no workload, database or secret
 * is made for it, only the resource that checks its version and sees which apps on it are not the
 * stack's.
 */
import * as pulumi from "@pulumi/pulumi";
import { entryHostName } from "../platform/naming";
import { ENTRY_DATABASE } from "../core/identifiers";
import { NocoBaseInstanceArgs, createNocoBaseInstance } from "./instance";
import type { RuntimeTarget } from "../runtimes/runtime";
import { ExternalEntry } from "../lifecycle/externalEntry";
import { TYPES } from "../core/typeTokens";

export interface EntryAppArgs extends Omit<NocoBaseInstanceArgs, "runtime" | "secrets" | "databasePassword"> {
    /** Absent exactly when the entry app is adopted. */
    runtime?: RuntimeTarget;
    secrets?: NocoBaseInstanceArgs["secrets"];
    databasePassword?: NocoBaseInstanceArgs["databasePassword"];
    /** Host names routed to the entry app: its own domain and every app's custom domain. */
    domains: string[];
}

export class EntryApp extends pulumi.ComponentResource {
    /** Public URL; each app's admin UI is at `<url>/apps/<id>/admin/`. */
    readonly url: string;
    /** Where `pulumi up` reaches the API. */
    readonly apiUrl: string;
    /** What app registrations wait for: the workload ready, or the adopted entry app checked. */
    readonly ready: pulumi.Resource;
    /** Adopted only: the apps on it that the stack does not name (undefined until first read). */
    readonly unmanagedApps?: pulumi.Output<string[] | undefined>;

    constructor(name: string, args: EntryAppArgs, opts?: pulumi.ComponentResourceOptions) {
        super(TYPES.entryApp, name, {}, opts);
        const { config } = args;
        const external = config.entry.external;
        if (external) {
            const adopted = new ExternalEntry(
                `${name}-external`,
                {
                    url: external.url,
                    adapter: config.supervisor,
                    apiKey: pulumi.secret(external.apiKey.reveal()),
                    nocobaseVersion: config.nocobaseVersion,
                    managedApps: config.apps.map((a) => a.id),
                },
                { parent: this },
            );
            this.ready = adopted;
            this.unmanagedApps = adopted.unmanagedApps;
        } else {
            const run = runArgs(args);
            this.ready = createNocoBaseInstance(this, name, run, {
                database: ENTRY_DATABASE,
                role: { kind: "entry" },
                hostName: entryHostName(run.runtime.type, args.namePrefix),
                replicas: config.entry.replicas,
                domains: args.domains,
                publishPort: config.entry.port,
            }).ready;
        }
        this.url = config.entry.url;
        this.apiUrl = config.entry.apiUrl;
        this.registerOutputs({ url: this.url });
    }
}

/** A run entry app has everything an instance needs: validation gives it a runtime, the platform its secrets. */
function runArgs(args: EntryAppArgs): NocoBaseInstanceArgs {
    const { runtime, secrets, databasePassword } = args;
    if (!runtime || !secrets || databasePassword === undefined)
        throw new Error("an entry app this stack runs needs a runtime, secrets and a database password");
    return { ...args, runtime, secrets, databasePassword };
}
