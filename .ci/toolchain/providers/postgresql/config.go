package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// The provider's configuration keys, as pulumi-postgresql 3.18.1 names them.
var providerProps = []prop{
	{name: "awsRdsIamAuth", kind: kBool},
	{name: "awsRdsIamProfile", kind: kString},
	{name: "awsRdsIamProviderRoleArn", kind: kString},
	{name: "awsRdsIamRegion", kind: kString},
	{name: "azureIdentityAuth", kind: kBool},
	{name: "azureTenantId", kind: kString},
	{name: "clientcert", kind: kObject, objectType: "postgresql:index/ProviderClientcert:ProviderClientcert", fields: []prop{
		{name: "cert", kind: kString, required: true},
		{name: "key", kind: kString, required: true},
		{name: "sslinline", kind: kBool},
	}},
	{name: "connectTimeout", kind: kInt, def: 180.0, min: atLeast(-1)},
	{name: "database", kind: kString},
	{name: "databaseUsername", kind: kString},
	{name: "expectedVersion", kind: kString},
	{name: "gcpIamImpersonateServiceAccount", kind: kString},
	{name: "host", kind: kString},
	{name: "maxConnections", kind: kInt, min: atLeast(-1)},
	{name: "password", kind: kString, secret: true},
	{name: "port", kind: kInt},
	{name: "scheme", kind: kString, oneOf: []string{"postgres", "awspostgres", "gcppostgres"}},
	{name: "sslMode", kind: kString, deprecated: "Rename PostgreSQL provider `ssl_mode` attribute to `sslmode`"},
	{name: "sslmode", kind: kString},
	{name: "sslrootcert", kind: kString},
	{name: "superuser", kind: kBool},
	{name: "username", kind: kString},
}

func providerProp(name string) *prop {
	for i := range providerProps {
		if providerProps[i].name == name {
			return &providerProps[i]
		}
	}
	return nil
}

// decodeConfig turns provider inputs into typed values. An explicit provider's SDK sends every
// non-string input JSON-encoded as a string ("5432", "true", "{\"cert\":...}"), stack config
// may send them typed; both are accepted. Keys the schema does not know (the engine's
// "version", "pluginDownloadURL") are dropped.
func decodeConfig(raw props) (props, []checkFailure) {
	out := props{}
	var failures []checkFailure
	for k, v := range raw {
		p := providerProp(k)
		if p == nil || v == nil {
			continue
		}
		if containsUnknown(v) {
			out[k] = unknown
			continue
		}
		s, isString := v.(string)
		if !isString || p.kind == kString {
			out[k] = v
			continue
		}
		if s == "" {
			continue
		}
		var decoded any
		if err := json.Unmarshal([]byte(s), &decoded); err != nil {
			// A bare word such as a bool from an environment variable.
			if b, err := strconv.ParseBool(s); err == nil && p.kind == kBool {
				decoded = b
			} else {
				failures = append(failures, checkFailure{k, fmt.Sprintf("%s: cannot decode %q as %s", k, s, kindName(p.kind))})
				continue
			}
		}
		out[k] = decoded
	}
	failures = append(failures, validate(providerProps, out, "")...)
	if ev, ok := out["expectedVersion"].(string); ok && ev != "" {
		if _, err := parseVersion(ev); err != nil {
			failures = append(failures, checkFailure{"expectedVersion", fmt.Sprintf("invalid version (%q)", ev)})
		}
	}
	return out, failures
}

func kindName(k kind) string {
	switch k {
	case kBool:
		return "a boolean"
	case kInt:
		return "an integer"
	case kObject:
		return "an object"
	}
	return "a string"
}

func envOr(name, fallback string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return fallback
}

// resolveConfig applies upstream's defaults (environment variables first, as libpq's).
func resolveConfig(in props) pgConfig {
	str := func(k, env, def string) string {
		if v, ok := in[k].(string); ok {
			return v
		}
		if env != "" {
			return envOr(env, def)
		}
		return def
	}
	integer := func(k, env string, def int) int {
		if n, ok := toInt(in[k]); ok {
			return n
		}
		if env != "" {
			if n, err := strconv.Atoi(os.Getenv(env)); err == nil {
				return n
			}
		}
		return def
	}
	boolean := func(k, env string, def bool) bool {
		switch v := in[k].(type) {
		case bool:
			return v
		case string:
			if b, err := strconv.ParseBool(v); err == nil {
				return b
			}
		}
		if env != "" {
			if b, err := strconv.ParseBool(os.Getenv(env)); err == nil {
				return b
			}
		}
		return def
	}
	cfg := pgConfig{
		scheme:           str("scheme", "", "postgres"),
		host:             str("host", "PGHOST", "localhost"),
		port:             integer("port", "PGPORT", 5432),
		database:         str("database", "PGDATABASE", "postgres"),
		username:         str("username", "PGUSER", "postgres"),
		password:         str("password", "PGPASSWORD", ""),
		databaseUsername: str("databaseUsername", "", ""),
		superuser:        boolean("superuser", "PGSUPERUSER", true),
		sslmode:          str("sslmode", "PGSSLMODE", ""),
		sslrootcert:      str("sslrootcert", "", ""),
		connectTimeout:   integer("connectTimeout", "PGCONNECT_TIMEOUT", 180),
		maxConnections:   integer("maxConnections", "", 20),
		expectedVersion:  str("expectedVersion", "", "9.0.0"),
		awsRdsIamAuth:    boolean("awsRdsIamAuth", "", false),
		azureAuth:        boolean("azureIdentityAuth", "", false),
	}
	if cfg.host == "" {
		cfg.host = "localhost"
	}
	if cfg.sslmode == "" {
		cfg.sslmode = str("sslMode", "", "")
	}
	if cc, ok := in["clientcert"].(map[string]any); ok {
		p := props(cc)
		cfg.certPath, cfg.keyPath, cfg.sslinline = p.str("cert"), p.str("key"), p.boolean("sslinline")
	}
	for _, v := range in {
		if containsUnknown(v) {
			cfg.unknown = true
		}
	}
	return cfg
}

// configFromVariables reads the older Configure form: "postgresql:config:host" = "...".
func configFromVariables(vars map[string]string) props {
	out := props{}
	for k, v := range vars {
		key := k
		if i := strings.LastIndex(k, ":"); i >= 0 {
			key = k[i+1:]
		}
		out[key] = v
	}
	return out
}
