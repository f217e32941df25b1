package seed

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pocketkms/pocketkms/core/kms"
	"github.com/pocketkms/pocketkms/core/kmserr"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
)

// secretEntry is one "Secrets" entry as the file spells it (docs/seed.md).
// ExtendedConfig is a JSON object or a JSON string holding one.
type secretEntry struct {
	SecretName       string
	SecretType       string
	EncryptionKeyId  string
	Description      string
	RotationInterval string
	ExtendedConfig   json.RawMessage
	Tags             []*pb.Tag
	Versions         []secretVersionEntry
}

type secretVersionEntry struct {
	VersionId      string
	SecretData     string
	SecretDataType string
	VersionStages  []string
}

// secret reads one Secrets entry into the engine's ImportSecret request.
// Errors never quote a value: a secret's data may be in the field.
func (p *parser) secret(path string, raw []byte) (*pb.ImportSecretRequest, error) {
	var e secretEntry
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(&e); err != nil {
		msg := err.Error()
		if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
			return nil, p.errf(path, "has no field %s: a Secrets entry has SecretName, SecretType, EncryptionKeyId, Description, RotationInterval, ExtendedConfig, Tags and Versions (VersionId, SecretData, SecretDataType, VersionStages)", f)
		}
		if te, ok := err.(*json.UnmarshalTypeError); ok {
			return nil, p.errf(join(path, te.Field), "must be a %s, not a JSON %s", te.Type, te.Value)
		}
		return nil, p.errf(path, "%s", strings.TrimPrefix(msg, "json: "))
	}
	s := &pb.ImportSecretRequest{SecretName: e.SecretName, SecretType: e.SecretType, EncryptionKeyId: e.EncryptionKeyId,
		Description: e.Description, RotationInterval: e.RotationInterval, Tags: e.Tags}
	if ext := bytes.TrimSpace(e.ExtendedConfig); len(ext) > 0 && string(ext) != "null" {
		var text string
		if ext[0] == '"' {
			_ = json.Unmarshal(ext, &text)
		} else {
			var buf bytes.Buffer
			if err := json.Compact(&buf, ext); err != nil {
				return nil, p.errf(path+".ExtendedConfig", "is not JSON")
			}
			text = buf.String()
		}
		var obj map[string]any
		if json.Unmarshal([]byte(text), &obj) != nil || obj == nil {
			return nil, p.errf(path+".ExtendedConfig", "must be a JSON object, or a string holding one")
		}
		s.ExtendedConfig = text
	}
	for _, v := range e.Versions {
		s.Versions = append(s.Versions, &pb.ImportedSecretVersion{VersionId: v.VersionId, SecretData: v.SecretData,
			SecretDataType: v.SecretDataType, VersionStages: v.VersionStages})
	}
	if err := p.checkSecret(path, s); err != nil {
		return nil, err
	}
	return s, nil
}

// checkSecret applies the seed file's own rules; the engine checks the rest
// when Apply imports the entry, and its error is reported against the entry.
func (p *parser) checkSecret(path string, s *pb.ImportSecretRequest) error {
	if s.SecretName == "" {
		return p.errf(path+".SecretName", "is required")
	}
	if s.RotationInterval != "" {
		if _, err := kms.ParseSecretRotationInterval(s.RotationInterval); err != nil {
			return p.errf(path+".RotationInterval", "%s", kmserr.As(err).Message)
		}
	}
	if len(s.Versions) == 0 {
		return p.errf(path+".Versions", "needs at least one version")
	}
	seen := map[string]int{}
	for j, v := range s.Versions {
		vp := fmt.Sprintf("%s.Versions[%d]", path, j)
		if v == nil {
			return p.errf(vp, "is missing")
		}
		if v.VersionId == "" {
			return p.errf(vp+".VersionId", "is required: a second apply recognises versions by their ids")
		}
		if prev, dup := seen[v.VersionId]; dup {
			return p.errf(vp+".VersionId", "%s is also Versions[%d]", v.VersionId, prev)
		}
		seen[v.VersionId] = j
		if v.SecretData == "" {
			return p.errf(vp+".SecretData", "is required")
		}
		switch v.SecretDataType {
		case "", "text", "binary":
		default:
			return p.errf(vp+".SecretDataType", "%q is not valid: use text (the default) or binary", v.SecretDataType)
		}
	}
	// The engine's own rules (names, types, shapes, stages) judge the entry
	// on a scratch store, so that a file Load accepts also applies. Its key
	// is not there: whether it exists is Apply's question.
	dry := &pb.ImportSecretRequest{SecretName: s.SecretName, SecretType: s.SecretType, Description: s.Description,
		RotationInterval: s.RotationInterval, ExtendedConfig: s.ExtendedConfig, Tags: s.Tags, Versions: s.Versions}
	if _, err := kms.New(store.NewMemory(), kms.NewConfig()).Call("ImportSecret", dry); err != nil {
		return p.errf(path, "%s", kmserr.As(err).Message)
	}
	return nil
}

// secretsDuplicates refuses a secret name given twice.
func (p *parser) secretsDuplicates(f *File) error {
	names := map[string]int{}
	for i, s := range f.Secrets {
		if prev, dup := names[s.SecretName]; dup {
			return p.errf(fmt.Sprintf("Secrets[%d].SecretName", i), "%s is also Secrets[%d]", s.SecretName, prev)
		}
		names[s.SecretName] = i
	}
	return nil
}

// secret imports one Secrets entry, or adds the versions an existing
// secret lacks (ImportSecret: a stage that a version carries stays there,
// so a version put since keeps its ACSCurrent).
func (a *applier) secret(i int, s *pb.ImportSecretRequest) error {
	path := fmt.Sprintf("Secrets[%d]", i)
	before, err := a.call("DescribeSecret", &pb.SecretNameRequest{SecretName: s.SecretName})
	if err != nil && err.Code != "Forbidden.ResourceNotFound" {
		return a.errf(path, "%s", err.Message)
	}
	var versions map[string]bool
	if before != nil {
		resp, err := a.call("ListSecretVersionIds", &pb.ListSecretVersionIdsRequest{SecretName: s.SecretName, IncludeDeprecated: true, PageSize: 100})
		if err != nil {
			return a.errf(path, "%s", err.Message)
		}
		versions = map[string]bool{}
		for _, v := range resp.(*pb.ListSecretVersionIdsResponse).VersionIds {
			versions[v.VersionId] = true
		}
	}
	if _, err := a.call("ImportSecret", s); err != nil {
		return a.errf(path, "%s", err.Message)
	}
	switch {
	case before == nil:
		a.s.SecretsImported = append(a.s.SecretsImported, s.SecretName)
	default:
		added := 0
		for _, v := range s.Versions {
			if !versions[v.VersionId] {
				added++
			}
		}
		if added == 0 {
			a.s.SecretsExisting = append(a.s.SecretsExisting, s.SecretName)
		} else {
			a.s.SecretVersionsAdded += added
		}
	}
	return nil
}
