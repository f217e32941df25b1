package seed

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pocketkms/pocketkms/core/kms"
	"github.com/pocketkms/pocketkms/core/kmserr"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/internal/asym"
	"github.com/pocketkms/pocketkms/internal/clientkeys"
	"github.com/pocketkms/pocketkms/internal/ids"
)

// materialSize is the key length of each spec that ImportKey accepts. It
// mirrors the engine's table so that Load can name a wrong length before
// anything runs; TestMaterialSizesMatchEngine keeps the two in step.
var materialSize = map[string]int{
	kms.SpecAES256: 32,
	kms.SpecAES192: 24,
	kms.SpecAES128: 16,
	kms.SpecSM4:    16,
}

// maxDescription is CreateKey's limit, applied to imports too.
const maxDescription = 8192

// Parse validates data as a seed file; name is what errors call the file.
func Parse(name string, data []byte) (*File, error) {
	p := &parser{file: name}
	f, err := p.parseFile(data)
	if err != nil {
		return nil, err
	}
	f.Name = name
	return f, nil
}

type parser struct{ file string }

func (p *parser) errf(field, format string, args ...any) *Error {
	return &Error{File: p.file, Field: field, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) parseFile(data []byte) (*File, error) {
	if !utf8.Valid(data) {
		return nil, p.errf("", "is not UTF-8 text")
	}
	if err := p.syntax(data); err != nil {
		return nil, err
	}
	top, err := p.object("", data)
	if err != nil {
		return nil, err
	}
	f := &File{}
	for _, m := range top {
		switch m.name {
		case "ClientKeys":
			elems, err := p.array(m.name, m.value)
			if err != nil {
				return nil, err
			}
			for i, raw := range elems {
				e, err := p.clientKey(fmt.Sprintf("ClientKeys[%d]", i), raw)
				if err != nil {
					return nil, err
				}
				f.ClientKeys = append(f.ClientKeys, e)
			}
		case "AccessKeys":
			elems, err := p.array(m.name, m.value)
			if err != nil {
				return nil, err
			}
			for i, raw := range elems {
				e, err := p.accessKey(fmt.Sprintf("AccessKeys[%d]", i), raw)
				if err != nil {
					return nil, err
				}
				f.AccessKeys = append(f.AccessKeys, e)
			}
		case "Keys":
			elems, err := p.array(m.name, m.value)
			if err != nil {
				return nil, err
			}
			for i, raw := range elems {
				k, err := p.key(fmt.Sprintf("Keys[%d]", i), raw)
				if err != nil {
					return nil, err
				}
				f.Keys = append(f.Keys, k)
			}
		case "Secrets":
			elems, err := p.array(m.name, m.value)
			if err != nil {
				return nil, err
			}
			for i, raw := range elems {
				s, err := p.secret(fmt.Sprintf("Secrets[%d]", i), raw)
				if err != nil {
					return nil, err
				}
				f.Secrets = append(f.Secrets, s)
			}
		default:
			return nil, p.unknown(m.name, m.name, "a seed file", []string{"AccessKeys", "ClientKeys", "Keys", "Secrets"})
		}
	}
	if err := p.duplicates(f); err != nil {
		return nil, err
	}
	return f, nil
}

// syntax reports where malformed JSON goes wrong, as a line and column.
func (p *parser) syntax(data []byte) error {
	if json.Valid(data) {
		return nil
	}
	var v any
	err := json.Unmarshal(data, &v)
	if se, ok := err.(*json.SyntaxError); ok {
		// Offset counts the offending byte itself.
		line, col := 1, 1
		for _, c := range data[:max(0, min(int(se.Offset)-1, len(data)))] {
			if c == '\n' {
				line, col = line+1, 1
			} else {
				col++
			}
		}
		return p.errf("", "is not valid JSON: line %d, column %d: %v", line, col, se)
	}
	return p.errf("", "is not valid JSON: %v", err)
}

type member struct {
	name  string
	value json.RawMessage
}

// object splits a JSON object into its members in order, refusing a member
// given twice (encoding/json would silently keep the last).
func (p *parser) object(path string, raw []byte) ([]member, error) {
	if raw = bytes.TrimSpace(raw); len(raw) == 0 || raw[0] != '{' {
		return nil, p.errf(path, "must be a JSON object, not %s", shape(raw))
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		return nil, p.errf(path, "%v", err)
	}
	var out []member
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, p.errf(path, "%v", err)
		}
		name, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, p.errf(join(path, name), "%v", err)
		}
		if seen[name] {
			return nil, p.errf(join(path, name), "is given twice")
		}
		seen[name] = true
		out = append(out, member{name, v})
	}
	return out, nil
}

// array splits a JSON list; null is an empty list.
func (p *parser) array(path string, raw []byte) ([]json.RawMessage, error) {
	if raw = bytes.TrimSpace(raw); string(raw) == "null" {
		return nil, nil
	}
	if len(raw) == 0 || raw[0] != '[' {
		return nil, p.errf(path, "must be a list, not %s", shape(raw))
	}
	var out []json.RawMessage
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, p.errf(path, "%v", err)
	}
	return out, nil
}

// shape names the kind of a JSON value, for "must be X, not Y" messages.
// It never quotes the value: it could be key material.
func shape(raw []byte) string {
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "a list"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func (p *parser) unknown(path, name, what string, known []string) error {
	for _, k := range known {
		if strings.EqualFold(k, name) {
			return p.errf(path, "unknown field (did you mean %s? names are case-sensitive)", k)
		}
	}
	return p.errf(path, "unknown field; %s has %s", what, strings.Join(known, ", "))
}

func fieldNames(fields []pb.Field) []string {
	var out []string
	for _, f := range fields {
		out = append(out, f.Name)
	}
	return out
}

func fieldByName(fields []pb.Field, name string) (pb.Field, bool) {
	for _, f := range fields {
		if f.Name == name {
			return f, true
		}
	}
	return pb.Field{}, false
}

// message checks raw against a message type's field table field by field,
// so that an error names the exact field; a whole-message decode reports
// only the first problem, and may quote bad values (which could be key
// material).
func (p *parser) message(path string, raw []byte, m pb.Message, what string) error {
	members, err := p.object(path, raw)
	if err != nil {
		return err
	}
	fields := pb.Fields(m)
	for _, m := range members {
		fp := join(path, m.name)
		fd, ok := fieldByName(fields, m.name)
		if !ok {
			return p.unknown(fp, m.name, what, fieldNames(fields))
		}
		v := bytes.TrimSpace(m.value)
		if string(v) == "null" {
			continue
		}
		if !fd.Repeated {
			if err := p.single(fp, v, fd, false); err != nil {
				return err
			}
			continue
		}
		elems, err := p.array(fp, v)
		if err != nil {
			return err
		}
		for j, e := range elems {
			if err := p.single(fmt.Sprintf("%s[%d]", fp, j), bytes.TrimSpace(e), fd, true); err != nil {
				return err
			}
		}
	}
	return nil
}

// single checks one value (a list element when inList) of field fd.
func (p *parser) single(path string, raw []byte, fd pb.Field, inList bool) error {
	switch fd.Kind {
	case pb.KindMessage:
		return p.message(path, raw, fd.Message(), "a "+fd.Name+" entry")
	case pb.KindString:
		var s string
		if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
			return p.errf(path, "must be a string, not %s", shape(raw))
		}
		if loneSurrogate(raw, s) {
			return p.errf(path, "holds a \\u escape that is half of a UTF-16 surrogate pair")
		}
	case pb.KindBytes:
		var s string
		if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
			return p.errf(path, "must be a base64 string, not %s", shape(raw))
		}
		if _, err := base64.StdEncoding.DecodeString(s); err != nil {
			return p.errf(path, "is not standard base64 (A-Z, a-z, 0-9, + and /, padded with =)")
		}
	default:
		// No such field in today's ImportKey request; the codec judges it.
		if err := fd.CheckJSON(raw); err != nil {
			return p.errf(path, "%s", cleanProtoErr(err))
		}
	}
	return nil
}

// loneSurrogate reports whether decoding raw into s replaced a lone
// surrogate escape such as \ud800 with U+FFFD, which encoding/json does
// silently and protojson refuses with a baffling "unexpected EOF".
func loneSurrogate(raw []byte, s string) bool {
	if !strings.ContainsRune(s, utf8.RuneError) {
		return false
	}
	lower := strings.ToLower(string(raw))
	return strings.Count(s, string(utf8.RuneError)) != strings.Count(lower, "\\ufffd")+strings.Count(lower, string(utf8.RuneError))
}

// cleanProtoErr drops a "proto: (line 1:2): " prefix: the line and column
// would be those of a fragment, not of the file.
func cleanProtoErr(err error) string {
	s := strings.TrimPrefix(err.Error(), "proto:")
	s = strings.TrimLeft(s, " \u00a0")
	if strings.HasPrefix(s, "(line ") {
		if i := strings.Index(s, "): "); i >= 0 {
			s = s[i+3:]
		}
	}
	return s
}

// key reads one Keys entry: an ImportKey request.
func (p *parser) key(path string, raw []byte) (*pb.ImportKeyRequest, error) {
	raw, err := pemMaterial(raw)
	if err != nil {
		return nil, p.errf(path, "%v", err)
	}
	k := &pb.ImportKeyRequest{}
	if err := p.message(path, raw, k, "a Keys entry"); err != nil {
		return nil, err
	}
	if err := pb.UnmarshalJSON(raw, k); err != nil {
		return nil, p.errf(path, "%s", cleanProtoErr(err))
	}
	if err := p.checkKey(path, k); err != nil {
		return nil, err
	}
	return k, nil
}

// checkKey applies the engine's rules for ImportKey before anything runs,
// naming the field, plus the seed file's own: an entry must be
// recognisable on a second apply.
func (p *parser) checkKey(path string, k *pb.ImportKeyRequest) error {
	if k.KeyId != "" && !ids.ValidKeyID(k.KeyId) {
		return p.errf(path+".KeyId", "%q is not a key id: \"key-\" and 21 lower-case letters or digits", k.KeyId)
	}
	spec := k.KeySpec
	if spec == "" {
		spec = kms.SpecAES256
	}
	size, ok := materialSize[spec]
	asymmetric := asym.IsSpec(spec)
	if !ok && !asymmetric {
		return p.errf(path+".KeySpec", "%q cannot be imported: use Aliyun_AES_256 (the default), Aliyun_AES_192, Aliyun_AES_128, Aliyun_SM4, RSA_2048, RSA_3072, RSA_4096, EC_P256, EC_P256K or EC_SM2", k.KeySpec)
	}
	switch {
	case !asymmetric && k.KeyUsage != "" && k.KeyUsage != kms.UsageEncrypt:
		return p.errf(path+".KeyUsage", "%q is not valid for %s: symmetric keys are %s", k.KeyUsage, spec, kms.UsageEncrypt)
	case asymmetric && k.KeyUsage != "" && k.KeyUsage != kms.UsageSign && k.KeyUsage != kms.UsageEncrypt:
		return p.errf(path+".KeyUsage", "%q is not valid: use %s (the default) or %s", k.KeyUsage, kms.UsageSign, kms.UsageEncrypt)
	case asymmetric && k.KeyUsage == kms.UsageEncrypt && len(asym.EncryptAlgorithms(spec)) == 0:
		return p.errf(path+".KeyUsage", "%s keys only sign: use %s", spec, kms.UsageSign)
	case asymmetric && k.RotationInterval != "":
		return p.errf(path+".RotationInterval", "%s keys do not rotate automatically", spec)
	}
	if len(k.Description) > maxDescription {
		return p.errf(path+".Description", "is %d characters, at most %d are allowed", len(k.Description), maxDescription)
	}
	for j, a := range k.Aliases {
		if err := ids.CheckAlias(a); err != nil {
			return p.errf(fmt.Sprintf("%s.Aliases[%d]", path, j), "%v", err)
		}
	}
	if k.RotationInterval != "" {
		if _, err := kms.ParseRotationInterval(k.RotationInterval); err != nil {
			return p.errf(path+".RotationInterval", "%s", kmserr.As(err).Message)
		}
	}
	switch k.KeyState {
	case "", kms.StateEnabled, kms.StateDisabled:
	default:
		return p.errf(path+".KeyState", "%q cannot be seeded: use Enabled (the default) or Disabled", k.KeyState)
	}
	if k.KeyId == "" && len(k.Aliases) == 0 {
		return p.errf(path, "needs a KeyId or at least one alias: without either, a second apply could not recognise the key and would import it again")
	}
	seen := map[string]int{}
	for j, v := range k.Versions {
		vp := fmt.Sprintf("%s.Versions[%d]", path, j)
		if v.KeyVersionId != "" {
			switch {
			case k.KeyId == "":
				return p.errf(vp+".KeyVersionId", "needs the entry's KeyId: a version id is its key id, '-' and 10 letters or digits")
			case !ids.ValidVersionID(v.KeyVersionId) || ids.KeyIDOfVersion(v.KeyVersionId) != k.KeyId:
				return p.errf(vp+".KeyVersionId", "%q is not a version id of %s: that is %s-<10 letters or digits>", v.KeyVersionId, k.KeyId, k.KeyId)
			}
			if prev, dup := seen[v.KeyVersionId]; dup {
				return p.errf(vp+".KeyVersionId", "%s is also Versions[%d]", v.KeyVersionId, prev)
			}
			seen[v.KeyVersionId] = j
		}
		if n := len(v.KeyMaterial); n != 0 && !asymmetric && n != size {
			return p.errf(vp+".KeyMaterial", "is %d bytes, %s needs %d", n, spec, size)
		}
		if len(v.KeyMaterial) != 0 && asymmetric {
			key, err := asym.ParsePrivateKey(v.KeyMaterial)
			if err != nil {
				return p.errf(vp+".KeyMaterial", "%v", err)
			}
			if key.Spec() != spec {
				return p.errf(vp+".KeyMaterial", "is a private key of spec %s, not %s", key.Spec(), spec)
			}
		}
		if v.CreationDate != "" {
			if _, err := time.Parse(time.RFC3339, v.CreationDate); err != nil {
				return p.errf(vp+".CreationDate", "%q is not an RFC 3339 time such as 2026-01-02T15:04:05Z", v.CreationDate)
			}
		}
	}
	return nil
}

// clientKey reads one ClientKeys entry.
func (p *parser) clientKey(path string, raw []byte) (ClientKeyEntry, error) {
	var e ClientKeyEntry
	members, err := p.object(path, raw)
	if err != nil {
		return e, err
	}
	fields := map[string]*string{"KeyId": &e.KeyId, "Certificate": &e.Certificate,
		"ClientKeyContent": &e.ClientKeyContent, "Password": &e.Password}
	for _, m := range members {
		fp := join(path, m.name)
		dst, ok := fields[m.name]
		if !ok {
			return e, p.unknown(fp, m.name, "a ClientKeys entry", []string{"KeyId", "Certificate", "ClientKeyContent", "Password"})
		}
		v := bytes.TrimSpace(m.value)
		if string(v) == "null" {
			continue
		}
		if len(v) == 0 || v[0] != '"' || json.Unmarshal(v, dst) != nil {
			return e, p.errf(fp, "must be a string, not %s", shape(v))
		}
		if loneSurrogate(v, *dst) {
			return e, p.errf(fp, "holds a \\u escape that is half of a UTF-16 surrogate pair")
		}
	}
	switch {
	case e.Certificate != "" && e.ClientKeyContent != "":
		return e, p.errf(path, "has both Certificate and ClientKeyContent: give one")
	case e.Certificate != "":
		if e.KeyId == "" {
			return e, p.errf(path+".KeyId", "is required with Certificate: it is the ClientKey id clients send")
		}
		if e.Password != "" {
			return e, p.errf(path+".Password", "only goes with ClientKeyContent; a Certificate entry holds no secret")
		}
		if err := clientkeys.CheckID(e.KeyId); err != nil {
			return e, p.errf(path+".KeyId", "%v", err)
		}
		block, rest := pem.Decode([]byte(e.Certificate))
		if block == nil {
			return e, p.errf(path+".Certificate", "holds no PEM block: expected -----BEGIN CERTIFICATE-----")
		}
		if block.Type != "CERTIFICATE" && block.Type != "PUBLIC KEY" {
			return e, p.errf(path+".Certificate", "holds a PEM %q block, expected CERTIFICATE (or PUBLIC KEY)", block.Type)
		}
		if len(bytes.TrimSpace(rest)) != 0 {
			return e, p.errf(path+".Certificate", "must hold exactly one PEM block, the ClientKey's own certificate")
		}
	case e.ClientKeyContent != "":
		var ck struct{ KeyId, PrivateKeyData string }
		if err := json.Unmarshal([]byte(e.ClientKeyContent), &ck); err != nil {
			return e, p.errf(path+".ClientKeyContent", "is not a ClientKey file: expected the JSON text {\"KeyId\": ..., \"PrivateKeyData\": ...}")
		}
		if ck.KeyId == "" {
			return e, p.errf(path+".ClientKeyContent", "is not a ClientKey file: it has no KeyId")
		}
		if err := clientkeys.CheckID(ck.KeyId); err != nil {
			return e, p.errf(path+".ClientKeyContent", "KeyId: %v", err)
		}
		if _, err := base64.StdEncoding.DecodeString(ck.PrivateKeyData); err != nil || ck.PrivateKeyData == "" {
			return e, p.errf(path+".ClientKeyContent", "is not a ClientKey file: PrivateKeyData must be the base64 of a PKCS#12 file")
		}
		if e.KeyId != "" && e.KeyId != ck.KeyId {
			return e, p.errf(path+".KeyId", "is %q but the ClientKeyContent is for %q", e.KeyId, ck.KeyId)
		}
		if e.Password == "" {
			return e, p.errf(path+".Password", "is required with ClientKeyContent: it opens the PKCS#12")
		}
		e.KeyId = ck.KeyId
	default:
		return e, p.errf(path, "needs Certificate (with KeyId) or ClientKeyContent (with Password)")
	}
	return e, nil
}

// duplicates refuses ids and aliases given twice across the file.
func (p *parser) duplicates(f *File) error {
	clients := map[string]int{}
	for i, e := range f.ClientKeys {
		if prev, dup := clients[e.KeyId]; dup {
			return p.errf(fmt.Sprintf("ClientKeys[%d].KeyId", i), "%s is also ClientKeys[%d]", e.KeyId, prev)
		}
		clients[e.KeyId] = i
	}
	aks := map[string]int{}
	for i, e := range f.AccessKeys {
		if prev, dup := aks[e.AccessKeyId]; dup {
			return p.errf(fmt.Sprintf("AccessKeys[%d].AccessKeyId", i), "%s is also AccessKeys[%d]", e.AccessKeyId, prev)
		}
		aks[e.AccessKeyId] = i
	}
	if err := p.secretsDuplicates(f); err != nil {
		return err
	}
	keyIDs := map[string]int{}
	aliases := map[string]string{}
	for i, k := range f.Keys {
		if k.KeyId != "" {
			if prev, dup := keyIDs[k.KeyId]; dup {
				return p.errf(fmt.Sprintf("Keys[%d].KeyId", i), "%s is also Keys[%d].KeyId", k.KeyId, prev)
			}
			keyIDs[k.KeyId] = i
		}
		for j, a := range k.Aliases {
			here := fmt.Sprintf("Keys[%d].Aliases[%d]", i, j)
			if prev, dup := aliases[a]; dup {
				return p.errf(here, "%s is also %s", a, prev)
			}
			aliases[a] = here
		}
	}
	return nil
}

// pemMaterial lets a version's KeyMaterial be PEM text (an asymmetric key's
// "-----BEGIN PRIVATE KEY-----" block) besides standard base64: the text's
// JSON string is replaced in place by its base64, so that ImportKey gets
// its bytes and the strict parse still sees the entry as written.
func pemMaterial(raw []byte) ([]byte, error) {
	var entry struct{ Versions []map[string]json.RawMessage }
	if json.Unmarshal(raw, &entry) != nil {
		return raw, nil // the strict parse reports it
	}
	for _, v := range entry.Versions {
		var m string
		if json.Unmarshal(v["KeyMaterial"], &m) != nil || !strings.HasPrefix(strings.TrimSpace(m), "-----BEGIN ") {
			continue
		}
		b64, err := json.Marshal(base64.StdEncoding.EncodeToString([]byte(m)))
		if err != nil {
			return nil, err
		}
		raw = bytes.Replace(raw, v["KeyMaterial"], b64, 1)
	}
	return raw, nil
}
