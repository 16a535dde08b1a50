/**
 * The provider behind an adopted entry app (`entry.external`): a NocoBase this stack neither runs
 * nor owns. It creates nothing there; it checks the NocoBase release the entry app runs against
 * `platform.nocobaseVersion`, and records the apps on it that the stack does not name.
 *
 * Both are read in `check`, on purpose. The engine calls `check` for every resource in every
 * preview, and `pulumi up` previews before it changes anything: a mismatch fails there, before any
 * role, database or registration is touched (the registrations also depend on this resource, so
 * even `pulumi up --skip-preview` registers nothing first). Reading when the program builds would
 * do the same, but would also run under the mocks of the offline plan and the tests, which must
 * not reach any server. What `check` read enters the inputs, so a new unmanaged app shows as an
 * update of this resource in the preview and lands in the state at `up`.
 *
 * Pulumi's provider host runs a bundle of this module (providerBundle.ts): it imports
 * @pulumi/pulumi for types only.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { Supervisor } from "../core/modes";
import { createSupervisorClient } from "../supervisor";
import { UNKNOWN_VALUE } from "../core/engine";

export const EXTERNAL_ENTRY_PROVIDER_VERSION = "1";

export interface ExternalEntryInputs {
    url: string;
    adapter: Supervisor;
    apiKey: string;
    nocobaseVersion: string;
    /** The app ids the stack names, decommissioned ones included: they are the stack's to unregister. */
    managedApps: string[];
    providerVersion: string;
    /** Read in `check`: the release the entry app runs. */
    runningVersion?: string;
    /** Read in `check`: ids of the apps on the entry app that the stack does not name, sorted. */
    unmanagedApps?: string[];
}

/** The message of a mismatch: both versions, and what to do about it. */
export function versionMismatch(url: string, running: string, configured: string): string {
    return (
        `the entry app at ${url} runs NocoBase ${running}, but platform.nocobaseVersion is ${configured}: ` +
        `set platform.nocobaseVersion to ${running} (an adopted entry app is upgraded by its owners, not by this stack)`
    );
}

/** The apps NocoBase knows that the stack does not name, in a stable order. */
export function unmanagedApps(registered: readonly string[], managed: readonly string[]): string[] {
    const named = new Set(managed);
    return [...new Set(registered.filter((id) => !named.has(id)))].sort();
}

async function observe(i: ExternalEntryInputs): Promise<{ runningVersion: string; unmanagedApps: string[] }> {
    const client = createSupervisorClient({ adapter: i.adapter, baseUrl: i.url, auth: { apiKey: i.apiKey } });
    const runningVersion = await client.version();
    const registered = (await client.list()).map((a) => a.id);
    return { runningVersion, unmanagedApps: unmanagedApps(registered, i.managedApps) };
}

export class ExternalEntryProvider implements pulumi.dynamic.ResourceProvider<
    ExternalEntryInputs,
    ExternalEntryInputs
> {
    async check(
        _olds: ExternalEntryInputs,
        news: ExternalEntryInputs,
    ): Promise<pulumi.dynamic.CheckResult<ExternalEntryInputs>> {
        if ([news.url, news.apiKey, news.nocobaseVersion].includes(UNKNOWN_VALUE)) return { inputs: news };
        const seen = await observe(news);
        const failures =
            seen.runningVersion === news.nocobaseVersion
                ? []
                : [
                      {
                          property: "nocobaseVersion",
                          reason: versionMismatch(news.url, seen.runningVersion, news.nocobaseVersion),
                      },
                  ];
        return { inputs: { ...news, ...seen }, failures };
    }

    async create(inputs: ExternalEntryInputs): Promise<pulumi.dynamic.CreateResult<ExternalEntryInputs>> {
        return { id: inputs.url, outs: inputs };
    }

    async update(
        _id: string,
        _olds: ExternalEntryInputs,
        news: ExternalEntryInputs,
    ): Promise<pulumi.dynamic.UpdateResult<ExternalEntryInputs>> {
        return { outs: news };
    }

    /** Nothing of the entry app is this stack's: forgetting it leaves it as it is. */
    async delete(): Promise<void> {}

    /** `pulumi refresh`: what the entry app says now. */
    async read(id: string, props?: ExternalEntryInputs): Promise<pulumi.dynamic.ReadResult<ExternalEntryInputs>> {
        if (!props?.url) throw new Error(`nocobase:ExternalEntry "${id}": read needs the stored state`);
        return { id, props: { ...props, ...(await observe(props)) } };
    }
}

export function handler(): ExternalEntryProvider {
    return new ExternalEntryProvider();
}
