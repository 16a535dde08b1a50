package main

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"google.golang.org/protobuf/types/known/structpb"
)

// Markers of the Pulumi property-value wire format (sdk/go/common/resource/plugin/rpc.go).
const (
	sigKey          = "4dabf18193072939515e22adb298388d"
	secretSig       = "1b47061264138c4ac30d75fd1eb44270"
	outputSig       = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
	unknownSentinel = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
	defaultsKey     = "__defaults"
)

// unknownValue stands for a value the engine does not know yet (preview).
type unknownValue struct{}

var unknown = unknownValue{}

// props holds plain Go values: nil, bool, float64, string, []any, map[string]any or unknown.
// Secrets are unwrapped on the way in and recorded per top-level key, because every secret
// this provider deals with is a whole property (a password), never part of one.
type props map[string]any

func decodeValue(v *structpb.Value) (any, bool) {
	switch k := v.GetKind().(type) {
	case nil, *structpb.Value_NullValue:
		return nil, false
	case *structpb.Value_BoolValue:
		return k.BoolValue, false
	case *structpb.Value_NumberValue:
		return k.NumberValue, false
	case *structpb.Value_StringValue:
		if k.StringValue == unknownSentinel {
			return unknown, false
		}
		return k.StringValue, false
	case *structpb.Value_ListValue:
		out := make([]any, len(k.ListValue.GetValues()))
		secret := false
		for i, e := range k.ListValue.GetValues() {
			var s bool
			out[i], s = decodeValue(e)
			secret = secret || s
		}
		return out, secret
	case *structpb.Value_StructValue:
		f := k.StructValue.GetFields()
		if sig, ok := f[sigKey]; ok {
			switch sig.GetStringValue() {
			case secretSig:
				val, _ := decodeValue(f["value"])
				return val, true
			case outputSig:
				secret := f["secret"].GetBoolValue()
				val, ok := f["value"]
				if !ok {
					return unknown, secret
				}
				x, s := decodeValue(val)
				return x, s || secret
			}
		}
		m := make(map[string]any, len(f))
		secret := false
		for key, e := range f {
			var s bool
			m[key], s = decodeValue(e)
			secret = secret || s
		}
		return m, secret
	}
	return nil, false
}

func decodeProps(s *structpb.Struct) (props, map[string]bool) {
	p := props{}
	secrets := map[string]bool{}
	for k, v := range s.GetFields() {
		val, secret := decodeValue(v)
		p[k] = val
		if secret {
			secrets[k] = true
		}
	}
	return p, secrets
}

func encodeValue(v any) *structpb.Value {
	switch x := v.(type) {
	case nil:
		return structpb.NewNullValue()
	case unknownValue:
		return structpb.NewStringValue(unknownSentinel)
	case bool:
		return structpb.NewBoolValue(x)
	case float64:
		return structpb.NewNumberValue(x)
	case int:
		return structpb.NewNumberValue(float64(x))
	case string:
		return structpb.NewStringValue(x)
	case []string:
		l := make([]*structpb.Value, len(x))
		for i, e := range x {
			l[i] = structpb.NewStringValue(e)
		}
		return structpb.NewListValue(&structpb.ListValue{Values: l})
	case []any:
		l := make([]*structpb.Value, len(x))
		for i, e := range x {
			l[i] = encodeValue(e)
		}
		return structpb.NewListValue(&structpb.ListValue{Values: l})
	case map[string]any:
		f := make(map[string]*structpb.Value, len(x))
		for k, e := range x {
			f[k] = encodeValue(e)
		}
		return structpb.NewStructValue(&structpb.Struct{Fields: f})
	case props:
		return encodeValue(map[string]any(x))
	}
	panic(fmt.Sprintf("cannot encode %T", v))
}

func secretValue(v *structpb.Value) *structpb.Value {
	return structpb.NewStructValue(&structpb.Struct{Fields: map[string]*structpb.Value{
		sigKey:  structpb.NewStringValue(secretSig),
		"value": v,
	}})
}

func encodeProps(p props, secrets map[string]bool) *structpb.Struct {
	f := make(map[string]*structpb.Value, len(p))
	for k, v := range p {
		e := encodeValue(v)
		if secrets[k] && v != nil {
			e = secretValue(e)
		}
		f[k] = e
	}
	return &structpb.Struct{Fields: f}
}

func containsUnknown(v any) bool {
	switch x := v.(type) {
	case unknownValue:
		return true
	case []any:
		for _, e := range x {
			if containsUnknown(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range x {
			if containsUnknown(e) {
				return true
			}
		}
	}
	return false
}

func anyUnknown(p props) bool {
	for _, v := range p {
		if containsUnknown(v) {
			return true
		}
	}
	return false
}

func (p props) copy() props {
	out := make(props, len(p))
	for k, v := range p {
		out[k] = v
	}
	return out
}

func (p props) str(k string) string {
	s, _ := p[k].(string)
	return s
}

func (p props) boolean(k string) bool {
	switch x := p[k].(type) {
	case bool:
		return x
	case string:
		b, _ := strconv.ParseBool(x)
		return b
	}
	return false
}

func (p props) integer(k string) int {
	n, _ := toInt(p[k])
	return n
}

func (p props) strings(k string) []string {
	return toStrings(p[k])
}

func toInt(v any) (int, bool) {
	switch x := v.(type) {
	case float64:
		if x != math.Trunc(x) {
			return 0, false
		}
		return int(x), true
	case int:
		return x, true
	case string:
		n, err := strconv.Atoi(strings.TrimSpace(x))
		return n, err == nil
	}
	return 0, false
}

func toStrings(v any) []string {
	switch x := v.(type) {
	case []string:
		return x
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func stringList(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// sortedSet is how a Terraform set of strings comes out of the bridge: cty orders string sets
// lexically, without duplicates.
func sortedSet(ss []string) []any {
	seen := map[string]bool{}
	uniq := []string{}
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			uniq = append(uniq, s)
		}
	}
	sort.Strings(uniq)
	return stringList(uniq)
}
