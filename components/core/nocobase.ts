/** Facts of NocoBase itself (read off NocoBase 2.2.15 and its image) that the platform builds on. */

/** The main app's name: NocoBase's own, so no tenant may take it. */
export const MAIN_APP = "main";
/** The environment of shared-memory mode: the entry app's own process. */
export const LOCAL_ENVIRONMENT = "local";
/** Port NocoBase's own server listens on inside its container (APP_PORT). */
export const NOCOBASE_APP_PORT = 13000;
/** Port of the image's nginx, which serves the client assets and proxies to NocoBase. */
export const NOCOBASE_HTTP_PORT = 80;
export const HEALTH_CHECK_PATH = "/api/__health_check";
export const STORAGE_PATH = "/app/nocobase/storage";
/** The plugin each supervisor API needs enabled on the entry app. */
export const SUPERVISOR_PLUGINS = {
    applications: "@nocobase/plugin-multi-app-manager",
    "app-supervisor": "@nocobase/plugin-app-supervisor",
} as const;
