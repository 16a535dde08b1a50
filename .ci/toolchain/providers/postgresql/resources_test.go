package main

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// scramMatches tells whether a SCRAM-SHA-256 verifier (pg_authid.rolpassword) was made from
// password: the local server trusts loopback, so logging in would prove nothing.
func scramMatches(verifier, password string) bool {
	// SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>
	rest, ok := strings.CutPrefix(verifier, "SCRAM-SHA-256$")
	if !ok {
		return false
	}
	params, keys, _ := strings.Cut(rest, "$")
	iterStr, saltB64, _ := strings.Cut(params, ":")
	storedB64, _, _ := strings.Cut(keys, ":")
	iter, err1 := strconv.Atoi(iterStr)
	salt, err2 := base64.StdEncoding.DecodeString(saltB64)
	stored, err3 := base64.StdEncoding.DecodeString(storedB64)
	if err1 != nil || err2 != nil || err3 != nil {
		return false
	}
	salted, err := pbkdf2.Key(sha256.New, password, salt, iter, 32)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, salted)
	mac.Write([]byte("Client Key"))
	sum := sha256.Sum256(mac.Sum(nil))
	return hmac.Equal(sum[:], stored)
}

func TestRoleLifecycle(t *testing.T) {
	h := newHarness(t)
	group, login := unique(t, "group"), unique(t, "login")
	h.cleanup(nil, []string{login, login + "_renamed", group})

	g := h.create(roleSpec.token, "group", props{"name": group, "login": false})
	gout := g.out()
	wantEqual(t, "group id", g.id, group)
	// The outputs the bridge reports for a role the program configured this sparsely.
	wantEqual(t, "group outputs", []any{gout["login"], gout["inherit"], gout["connectionLimit"], gout["validUntil"],
		gout["encryptedPassword"], gout["roles"], gout["searchPaths"], gout["assumeRole"], gout["statementTimeout"], gout["password"]},
		[]any{false, true, -1, "infinity", true, nil, nil, "", 0, nil})

	r := h.create(roleSpec.token, "login", props{"name": login, "login": true, "password": "first-Pw", "superuser": false,
		"createDatabase": false, "createRole": false, "roles": []any{group}})
	out := r.out()
	wantEqual(t, "id", r.id, login)
	wantEqual(t, "password output", out["password"], "first-Pw")
	wantEqual(t, "password output secret", r.outputs.GetFields()["password"].GetStructValue().GetFields()[sigKey].GetStringValue(), secretSig)
	wantEqual(t, "roles", out["roles"], []any{group})
	wantEqual(t, "catalog", h.query("postgres", "SELECT concat_ws(',', rolcanlogin, rolsuper, rolcreatedb, rolinherit, rolconnlimit) FROM pg_roles WHERE rolname=$1", login),
		"t,f,f,t,-1")
	wantEqual(t, "member of group", h.query("postgres", "SELECT pg_has_role($1, $2, 'MEMBER')::text", login, group), "true")
	verifier := h.query("postgres", "SELECT rolpassword FROM pg_authid WHERE rolname=$1", login)
	if !scramMatches(verifier, "first-Pw") {
		t.Errorf("the stored verifier is not of the password: %q", verifier)
	}

	// A refresh of an unchanged role is no change; with superuser the password is checked
	// against pg_shadow, and a SCRAM verifier keeps the state's password.
	refreshed, found := h.read(roleSpec.token, "login", r)
	if !found {
		t.Fatal("role not found on refresh")
	}
	wantEqual(t, "refreshed password", refreshed.out()["password"], "first-Pw")
	inputs := h.check(roleSpec.token, "login", r.inputs, props{"name": login, "login": true, "password": "first-Pw", "superuser": false,
		"createDatabase": false, "createRole": false, "roles": []any{group}})
	wantEqual(t, "no diff after refresh", h.diff(roleSpec.token, "login", refreshed, inputs).GetChanges(), pulumirpc.DiffResponse_DIFF_NONE)

	// A password removed out of band shows up as drift, and the update sets it again.
	h.exec("postgres", "ALTER ROLE "+ident(login)+" PASSWORD NULL")
	drifted, _ := h.read(roleSpec.token, "login", refreshed)
	wantEqual(t, "drifted password", drifted.out()["password"], "")
	wantEqual(t, "drift diff", changedKeys(h.diff(roleSpec.token, "login", drifted, inputs)), "password")

	// Password change, membership removed, a setting and a rename: one in-place update.
	u := h.update(roleSpec.token, "login", drifted, props{"name": login + "_renamed", "login": true, "password": "second-Pw",
		"superuser": false, "createDatabase": true, "createRole": false, "roles": []any{}, "statementTimeout": 5000.0,
		"searchPaths": []any{"$user", "public"}})
	uout := u.out()
	wantEqual(t, "renamed", uout["name"], login+"_renamed")
	wantEqual(t, "renamed id output", uout["id"], login+"_renamed")
	if !scramMatches(h.query("postgres", "SELECT rolpassword FROM pg_authid WHERE rolname=$1", login+"_renamed"), "second-Pw") {
		t.Error("the new password is not the one stored")
	}
	wantEqual(t, "membership revoked", h.query("postgres", "SELECT count(*)::text FROM pg_auth_members WHERE member=(SELECT oid FROM pg_roles WHERE rolname=$1)", login+"_renamed"), "0")
	wantEqual(t, "createdb", uout["createDatabase"], true)
	wantEqual(t, "statement timeout", uout["statementTimeout"], 5000)
	wantEqual(t, "search path", uout["searchPaths"], []any{"$user", "public"})
	wantEqual(t, "roles now empty", uout["roles"], []any{})

	// The engine keeps the old id after a rename; refresh still finds the role.
	again, found := h.read(roleSpec.token, "login", u)
	if !found {
		t.Fatal("renamed role lost on refresh")
	}
	wantEqual(t, "refreshed rename", again.out()["name"], login+"_renamed")

	h.delete(roleSpec.token, "login", again)
	wantEqual(t, "role dropped", h.query("postgres", "SELECT rolname::text FROM pg_roles WHERE rolname=$1", login+"_renamed"), "<none>")
	if _, found := h.read(roleSpec.token, "login", again); found {
		t.Error("a dropped role is still found")
	}
	// skipDropRole leaves the role in place.
	g2 := h.update(roleSpec.token, "group", g, props{"name": group, "login": false, "skipDropRole": true})
	h.delete(roleSpec.token, "group", g2)
	wantEqual(t, "skipDropRole", h.query("postgres", "SELECT rolname::text FROM pg_roles WHERE rolname=$1", group), group)
}

func TestRoleDeleteReassignsOwnedObjects(t *testing.T) {
	h := newHarness(t)
	owner, dbName := unique(t, "owner"), unique(t, "db")
	h.cleanup([]string{dbName}, []string{owner})
	r := h.create(roleSpec.token, "owner", props{"name": owner})
	h.create(databaseSpec.token, "db", props{"name": dbName, "owner": owner})
	// REASSIGN OWNED gives shared objects (its databases) to the admin before DROP ROLE.
	h.delete(roleSpec.token, "owner", r)
	wantEqual(t, "database now the admin's", h.query("postgres", "SELECT pg_get_userbyid(datdba)::text FROM pg_database WHERE datname=$1", dbName), pgUser())
}

func TestDatabaseLifecycle(t *testing.T) {
	h := newHarness(t)
	owner, other, dbName := unique(t, "owner"), unique(t, "other"), unique(t, "db")
	h.cleanup([]string{dbName, dbName + "_renamed"}, []string{owner, other})
	h.create(roleSpec.token, "owner", props{"name": owner, "login": true})
	h.create(roleSpec.token, "other", props{"name": other})

	d := h.create(databaseSpec.token, "db", props{"name": dbName, "owner": owner})
	out := d.out()
	collate := h.query("postgres", "SELECT datcollate::text FROM pg_database WHERE datname='template0'")
	wantEqual(t, "id", d.id, dbName)
	wantEqual(t, "outputs", []any{out["owner"], out["template"], out["encoding"], out["lcCollate"], out["lcCtype"], out["tablespaceName"],
		out["connectionLimit"], out["allowConnections"], out["isTemplate"], out["alterObjectOwnership"]},
		[]any{owner, "template0", "UTF8", collate, collate, "pg_default", -1, true, false, false})
	wantEqual(t, "owner in catalog", h.query("postgres", "SELECT pg_get_userbyid(datdba)::text FROM pg_database WHERE datname=$1", dbName), owner)

	refreshed, found := h.read(databaseSpec.token, "db", d)
	if !found {
		t.Fatal("database not found on refresh")
	}
	inputs := h.check(databaseSpec.token, "db", d.inputs, props{"name": dbName, "owner": owner})
	wantEqual(t, "no diff after refresh", h.diff(databaseSpec.token, "db", refreshed, inputs).GetChanges(), pulumirpc.DiffResponse_DIFF_NONE)

	u := h.update(databaseSpec.token, "db", refreshed, props{"name": dbName, "owner": other, "connectionLimit": 10.0})
	wantEqual(t, "owner changed", h.query("postgres", "SELECT pg_get_userbyid(datdba)::text FROM pg_database WHERE datname=$1", dbName), other)
	wantEqual(t, "limit", u.out()["connectionLimit"], 10)

	u = h.update(databaseSpec.token, "db", u, props{"name": dbName + "_renamed", "owner": other, "connectionLimit": 10.0})
	wantEqual(t, "renamed", h.query("postgres", "SELECT datname::text FROM pg_database WHERE datname=$1", dbName+"_renamed"), dbName+"_renamed")

	// A connected session does not keep the database from being dropped (WITH (FORCE)).
	_ = adminConn(t, dbName+"_renamed")
	h.delete(databaseSpec.token, "db", u)
	wantEqual(t, "dropped", h.query("postgres", "SELECT datname::text FROM pg_database WHERE datname=$1", dbName+"_renamed"), "<none>")
	if _, found := h.read(databaseSpec.token, "db", u); found {
		t.Error("a dropped database is still found")
	}
}

func TestDatabaseOptions(t *testing.T) {
	h := newHarness(t)
	dbName := unique(t, "db")
	h.cleanup([]string{dbName}, nil)
	d := h.create(databaseSpec.token, "db", props{"name": dbName, "template": "template0", "encoding": "SQL_ASCII", "lcCollate": "C",
		"lcCtype": "C", "allowConnections": false, "isTemplate": true, "connectionLimit": 3.0})
	out := d.out()
	wantEqual(t, "options", []any{out["owner"], out["encoding"], out["lcCollate"], out["lcCtype"], out["allowConnections"], out["isTemplate"], out["connectionLimit"]},
		[]any{pgUser(), "SQL_ASCII", "C", "C", false, true, 3})
	// Dropping a template database takes IS_TEMPLATE false first.
	h.delete(databaseSpec.token, "db", d)
	wantEqual(t, "dropped", h.query("postgres", "SELECT datname::text FROM pg_database WHERE datname=$1", dbName), "<none>")
}

func TestSchemaLifecycle(t *testing.T) {
	h := newHarness(t)
	dbName, owner, other, name := unique(t, "db"), unique(t, "owner"), unique(t, "other"), unique(t, "schema")
	h.cleanup([]string{dbName}, []string{owner, other})
	h.create(roleSpec.token, "owner", props{"name": owner})
	h.create(roleSpec.token, "other", props{"name": other})
	h.create(databaseSpec.token, "db", props{"name": dbName})

	s := h.create(schemaSpec.token, "s", props{"name": name, "database": dbName, "owner": owner})
	out := s.out()
	wantEqual(t, "id", s.id, dbName+"."+name)
	wantEqual(t, "outputs", []any{out["name"], out["database"], out["owner"], out["ifNotExists"], out["dropCascade"], out["policies"]},
		[]any{name, dbName, owner, true, false, nil})
	wantEqual(t, "owner in catalog", h.query(dbName, "SELECT pg_get_userbyid(nspowner)::text FROM pg_namespace WHERE nspname=$1", name), owner)

	refreshed, found := h.read(schemaSpec.token, "s", s)
	if !found {
		t.Fatal("schema not found on refresh")
	}
	inputs := h.check(schemaSpec.token, "s", s.inputs, props{"name": name, "database": dbName, "owner": owner})
	wantEqual(t, "no diff after refresh", h.diff(schemaSpec.token, "s", refreshed, inputs).GetChanges(), pulumirpc.DiffResponse_DIFF_NONE)

	u := h.update(schemaSpec.token, "s", refreshed, props{"name": name, "database": dbName, "owner": other})
	wantEqual(t, "owner changed", h.query(dbName, "SELECT pg_get_userbyid(nspowner)::text FROM pg_namespace WHERE nspname=$1", name), other)
	u = h.update(schemaSpec.token, "s", u, props{"name": name + "_r", "database": dbName, "owner": other})
	wantEqual(t, "renamed", u.out()["id"], dbName+"."+name+"_r")

	// An existing schema is adopted and given to the owner (ifNotExists).
	h.exec(dbName, "CREATE SCHEMA "+ident(name))
	adopted := h.create(schemaSpec.token, "adopted", props{"name": name, "database": dbName, "owner": owner})
	wantEqual(t, "adopted owner", adopted.out()["owner"], owner)

	// RESTRICT refuses a schema with objects in it; dropCascade drops them too.
	h.exec(dbName, "CREATE TABLE "+ident(name+"_r")+".t (id int)")
	if _, err := h.p.Delete(h.ctx, &pulumirpc.DeleteRequest{Urn: urnOf(schemaSpec.token, "s"), Id: u.id, Properties: u.outputs}); err == nil {
		t.Error("DROP SCHEMA RESTRICT dropped a schema with a table in it")
	}
	cascade := h.update(schemaSpec.token, "s", u, props{"name": name + "_r", "database": dbName, "owner": other, "dropCascade": true})
	h.delete(schemaSpec.token, "s", cascade)
	wantEqual(t, "dropped", h.query(dbName, "SELECT nspname::text FROM pg_namespace WHERE nspname=$1", name+"_r"), "<none>")
	if _, found := h.read(schemaSpec.token, "s", cascade); found {
		t.Error("a dropped schema is still found")
	}
	// A schema whose database is gone is gone too.
	h.exec("postgres", "DROP DATABASE "+ident(dbName)+" WITH (FORCE)")
	if _, found := h.read(schemaSpec.token, "adopted", adopted); found {
		t.Error("a schema of a dropped database is still found")
	}
}

func TestGrantRevokesPublicConnect(t *testing.T) {
	h := newHarness(t)
	dbName, outsider := unique(t, "db"), unique(t, "outsider")
	h.cleanup([]string{dbName}, []string{outsider})
	h.create(roleSpec.token, "outsider", props{"name": outsider, "login": true})
	h.create(databaseSpec.token, "db", props{"name": dbName})
	canConnect := func() string {
		return h.query("postgres", "SELECT has_database_privilege($1, $2, 'CONNECT')::text", outsider, dbName)
	}
	wantEqual(t, "PUBLIC may connect to a new database", canConnect(), "true")

	g := h.create(grantSpec.token, "revoke", props{"role": "public", "database": dbName, "objectType": "database", "privileges": []any{}})
	wantEqual(t, "id", g.id, "public_"+dbName+"_database")
	wantEqual(t, "PUBLIC may no longer connect", canConnect(), "false")
	wantEqual(t, "nor create temporary tables", h.query("postgres", "SELECT has_database_privilege($1, $2, 'TEMPORARY')::text", outsider, dbName), "false")
	out := g.out()
	wantEqual(t, "outputs", []any{out["role"], out["database"], out["objectType"], out["privileges"], out["withGrantOption"], out["schema"], out["objects"]},
		[]any{"public", dbName, "database", []any{}, false, nil, nil})

	refreshed, found := h.read(grantSpec.token, "revoke", g)
	if !found {
		t.Fatal("grant not found on refresh")
	}
	inputs := h.check(grantSpec.token, "revoke", g.inputs, props{"role": "public", "database": dbName, "objectType": "database", "privileges": []any{}})
	wantEqual(t, "no diff after refresh", h.diff(grantSpec.token, "revoke", refreshed, inputs).GetChanges(), pulumirpc.DiffResponse_DIFF_NONE)

	// Given back out of band: the refresh sees it and the update revokes it again.
	h.exec("postgres", "GRANT CONNECT ON DATABASE "+ident(dbName)+" TO PUBLIC")
	drifted, _ := h.read(grantSpec.token, "revoke", refreshed)
	wantEqual(t, "drift", drifted.out()["privileges"], []any{"CONNECT"})
	h.update(grantSpec.token, "revoke", drifted, props{"role": "public", "database": dbName, "objectType": "database", "privileges": []any{}})
	wantEqual(t, "revoked again", canConnect(), "false")

	// Deleting the grant restores nothing: PUBLIC stays without CONNECT.
	h.delete(grantSpec.token, "revoke", drifted)
	wantEqual(t, "after delete", canConnect(), "false")
	h.exec("postgres", "DROP DATABASE "+ident(dbName))
	if _, found := h.read(grantSpec.token, "revoke", drifted); found {
		t.Error("a grant on a dropped database is still found")
	}
}

func TestGrantDatabasePrivileges(t *testing.T) {
	h := newHarness(t)
	dbName, group := unique(t, "db"), unique(t, "group")
	h.cleanup([]string{dbName}, []string{group})
	h.create(roleSpec.token, "group", props{"name": group})
	h.create(databaseSpec.token, "db", props{"name": dbName})
	g := h.create(grantSpec.token, "connect", props{"role": group, "database": dbName, "objectType": "database", "privileges": []any{"CREATE", "CONNECT"}})
	wantEqual(t, "id", g.id, group+"_"+dbName+"_database")
	wantEqual(t, "privileges (set order)", g.out()["privileges"], []any{"CONNECT", "CREATE"})
	has := func(priv string) string {
		return h.query("postgres", "SELECT has_database_privilege($1, $2, $3)::text", group, dbName, priv)
	}
	wantEqual(t, "CONNECT, CREATE", has("CONNECT")+","+has("CREATE")+","+has("TEMPORARY"), "true,true,true") // TEMPORARY still via PUBLIC

	h.exec("postgres", "REVOKE CREATE ON DATABASE "+ident(dbName)+" FROM "+ident(group))
	drifted, _ := h.read(grantSpec.token, "connect", g)
	wantEqual(t, "drift", drifted.out()["privileges"], []any{"CONNECT"})
	inputs := h.check(grantSpec.token, "connect", g.inputs, props{"role": group, "database": dbName, "objectType": "database", "privileges": []any{"CONNECT", "CREATE"}})
	d := h.diff(grantSpec.token, "connect", drifted, inputs)
	wantEqual(t, "update, not replace", []any{changedKeys(d), len(d.GetReplaces())}, []any{"privileges", 0})
	u := h.update(grantSpec.token, "connect", drifted, props{"role": group, "database": dbName, "objectType": "database", "privileges": []any{"CONNECT", "CREATE"}})
	wantEqual(t, "restored", has("CREATE"), "true")

	// Fewer privileges: the revoke-then-grant takes CREATE away.
	u = h.update(grantSpec.token, "connect", u, props{"role": group, "database": dbName, "objectType": "database", "privileges": []any{"CONNECT"}})
	wantEqual(t, "reduced", has("CREATE"), "false")
	// ALL reads back as ALL.
	u = h.update(grantSpec.token, "connect", u, props{"role": group, "database": dbName, "objectType": "database", "privileges": []any{"ALL"}})
	wantEqual(t, "ALL kept", u.out()["privileges"], []any{"ALL"})
	h.delete(grantSpec.token, "connect", u)
	wantEqual(t, "revoked on delete", h.query("postgres",
		"SELECT count(*)::text FROM (SELECT (aclexplode(datacl)).* FROM pg_database WHERE datname=$1) a WHERE grantee=(SELECT oid FROM pg_roles WHERE rolname=$2)", dbName, group), "0")
}

func TestGrantSchemaAndTable(t *testing.T) {
	h := newHarness(t)
	dbName, reader, sname := unique(t, "db"), unique(t, "reader"), unique(t, "schema")
	h.cleanup([]string{dbName}, []string{reader})
	h.create(roleSpec.token, "reader", props{"name": reader})
	h.create(databaseSpec.token, "db", props{"name": dbName})
	h.create(schemaSpec.token, "s", props{"name": sname, "database": dbName})
	h.exec(dbName, "CREATE TABLE "+ident(sname)+".a (id int); CREATE TABLE "+ident(sname)+".b (id int)")

	sg := h.create(grantSpec.token, "usage", props{"role": reader, "database": dbName, "schema": sname, "objectType": "schema", "privileges": []any{"USAGE"}})
	wantEqual(t, "schema grant id", sg.id, reader+"_"+dbName+"_"+sname+"_schema")
	wantEqual(t, "usage", h.query(dbName, "SELECT has_schema_privilege($1, $2, 'USAGE')::text", reader, sname), "true")

	tg := h.create(grantSpec.token, "select", props{"role": reader, "database": dbName, "schema": sname, "objectType": "table",
		"objects": []any{"b", "a"}, "privileges": []any{"SELECT"}})
	wantEqual(t, "table grant id", tg.id, reader+"_"+dbName+"_"+sname+"_table_a_b")
	wantEqual(t, "select", h.query(dbName, "SELECT has_table_privilege($1, $2, 'SELECT')::text", reader, sname+".a"), "true")

	h.exec(dbName, "REVOKE SELECT ON "+ident(sname)+".b FROM "+ident(reader))
	drifted, _ := h.read(grantSpec.token, "select", tg)
	wantEqual(t, "table drift", drifted.out()["privileges"], []any{})
	if _, fails := h.checkFailures(grantSpec.token, "bad", nil, props{"role": reader, "database": dbName, "objectType": "table", "privileges": []any{"SELECT"}}); len(fails) > 0 {
		t.Fatalf("check: %v", fails)
	}
	if err := h.createErr(grantSpec.token, "bad", props{"role": reader, "database": dbName, "objectType": "table", "privileges": []any{"SELECT"}}); err == nil {
		t.Error("a table grant without schema was accepted")
	}
	if err := h.createErr(grantSpec.token, "bad", props{"role": reader, "database": dbName, "objectType": "database", "privileges": []any{"SELECT"}}); err == nil {
		t.Error("SELECT on a database was accepted")
	}
	h.delete(grantSpec.token, "select", drifted)
	wantEqual(t, "revoked", h.query(dbName, "SELECT has_table_privilege($1, $2, 'SELECT')::text", reader, sname+".a"), "false")
	h.delete(grantSpec.token, "usage", sg)
	wantEqual(t, "usage revoked", h.query(dbName, "SELECT has_schema_privilege($1, $2, 'USAGE')::text", reader, sname), "false")
}

func TestImport(t *testing.T) {
	h := newHarness(t)
	role, dbName := unique(t, "role"), unique(t, "db")
	h.cleanup([]string{dbName}, []string{role})
	h.exec("postgres", "CREATE ROLE "+ident(role)+" LOGIN CONNECTION LIMIT 4")
	h.exec("postgres", "CREATE DATABASE "+ident(dbName)+" OWNER "+ident(role))
	h.exec(dbName, "CREATE SCHEMA app AUTHORIZATION "+ident(role))
	for _, c := range []struct{ token, id, key, want string }{
		{roleSpec.token, role, "connectionLimit", "4"},
		{databaseSpec.token, dbName, "owner", role},
		{schemaSpec.token, dbName + ".app", "owner", role},
	} {
		resp, err := h.p.Read(h.ctx, &pulumirpc.ReadRequest{Urn: urnOf(c.token, "imported"), Id: c.id})
		if err != nil {
			t.Fatalf("import %s: %v", c.token, err)
		}
		out, _ := decodeProps(resp.GetProperties())
		in, _ := decodeProps(resp.GetInputs())
		wantEqual(t, c.token+" id", resp.GetId(), c.id)
		wantEqual(t, c.token+" "+c.key, out[c.key], c.want)
		wantEqual(t, c.token+" input "+c.key, in[c.key], c.want)
	}
	if _, err := h.p.Read(h.ctx, &pulumirpc.ReadRequest{Urn: urnOf(grantSpec.token, "imported"), Id: "x"}); err == nil {
		t.Error("a grant import was accepted (upstream has no importer)")
	}
}

func TestLiteralQuoting(t *testing.T) {
	h := newHarness(t)
	role := unique(t, "quote")
	h.cleanup(nil, []string{role, role + `"x`})
	// Quotes and backslashes in names and passwords reach the server as written.
	r := h.create(roleSpec.token, "q", props{"name": role + `"x`, "login": true, "password": `it's a \ password`})
	wantEqual(t, "odd name", r.id, role+`"x`)
	wantEqual(t, "exists", h.query("postgres", "SELECT rolname::text FROM pg_roles WHERE rolname=$1", role+`"x`), role+`"x`)
	if !scramMatches(h.query("postgres", "SELECT rolpassword FROM pg_authid WHERE rolname=$1", role+`"x`), `it's a \ password`) {
		t.Error("a password with a quote and a backslash was not stored as written")
	}
	h.delete(roleSpec.token, "q", r)
}

// A managed server's admin (CREATEROLE, CREATEDB, no superuser) must act as the owners it
// gives objects to; the memberships it takes for that are gone afterwards.
func TestNonSuperuserAdmin(t *testing.T) {
	h := newHarness(t)
	admin, tenant, dbName, sname := unique(t, "admin"), unique(t, "tenant"), unique(t, "db"), unique(t, "schema")
	h.cleanup([]string{dbName}, []string{tenant, admin})
	h.exec("postgres", "CREATE ROLE "+ident(admin)+" LOGIN CREATEROLE CREATEDB")
	h.configure(explicitProviderInputs(map[string]string{"username": admin, "superuser": "false"}))

	h.create(roleSpec.token, "tenant", props{"name": tenant, "login": true, "password": "pw"})
	d := h.create(databaseSpec.token, "db", props{"name": dbName, "owner": tenant})
	wantEqual(t, "database owner", d.out()["owner"], tenant)
	s := h.create(schemaSpec.token, "s", props{"name": sname, "database": dbName, "owner": tenant})
	wantEqual(t, "schema owner", s.out()["owner"], tenant)
	wantEqual(t, "no membership left", h.query("postgres", "SELECT pg_has_role($1, $2, 'MEMBER')::text", admin, tenant), "false")
	// Without superuser the password is never read back from pg_shadow.
	r, _ := h.read(roleSpec.token, "tenant", state{id: tenant, outputs: encodeProps(props{"id": tenant, "name": tenant, "password": "pw"}, nil)})
	wantEqual(t, "password from state", r.out()["password"], "pw")
	h.delete(schemaSpec.token, "s", s)
	h.delete(databaseSpec.token, "db", d)
	wantEqual(t, "dropped", h.query("postgres", "SELECT datname::text FROM pg_database WHERE datname=$1", dbName), "<none>")
}
