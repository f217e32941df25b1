package kms

import (
	"crypto/subtle"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pocketkms/pocketkms/core/kmserr"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
)

// The ten secret operations, named and shaped as the classic API has them,
// and ImportSecret, the seed file's form of CreateSecret.

// newSecret checks what CreateSecret and ImportSecret share.
func (c *call) newSecret(name, typ, keyID, desc, ext string, tags []*pb.Tag) (*secretRecord, error) {
	typ, err := checkSecretType(typ)
	if err != nil {
		return nil, err
	}
	if err := checkSecretName(name, typ); err != nil {
		return nil, err
	}
	if len(desc) > maxSecretDesc {
		return nil, kmserr.InvalidParameter("Description is %d characters, at most %d are allowed", len(desc), maxSecretDesc)
	}
	if err := checkExtendedConfig(ext); err != nil {
		return nil, err
	}
	s := &secretRecord{SecretName: name, SecretType: typ, Description: desc, ExtendedConfig: ext, CreateTime: c.now, UpdateTime: c.now}
	if keyID != "" {
		k, err := c.cryptoKey(keyID)
		if err != nil {
			return nil, err
		}
		s.EncryptionKeyId = k.KeyId
	}
	var holder keyRecord
	if err := setTags(&holder, tags); err != nil {
		return nil, err
	}
	s.Tags = holder.Tags
	return s, nil
}

// absent checks that no secret is named name, in the store or in its
// recovery window.
func (c *call) absent(name string) error {
	old, err := c.loadSecret(name)
	if err != nil {
		return err
	}
	if old != nil && old.PlannedDeleteTime != nil {
		return kmserr.New(409, codeInDeleteWindow, "The secret %s is planned to be deleted; restore it or delete it with ForceDeleteWithoutRecovery.", name)
	}
	if old != nil {
		return kmserr.New(409, codeResourceExist, "The resource already exists: the secret %s.", name)
	}
	return nil
}

func (e *Engine) createSecret(r *pb.CreateSecretRequest) (pb.Message, error) {
	return e.run(func(c *call) (pb.Message, error) {
		s, err := c.newSecret(r.SecretName, r.SecretType, r.EncryptionKeyId, r.Description, r.ExtendedConfig, r.Tags)
		if err != nil {
			return nil, err
		}
		dataType, err := checkValue(r.SecretData, r.SecretDataType, s.SecretType)
		if err != nil {
			return nil, err
		}
		if err := c.setSecretRotation(s, r.EnableAutomaticRotation, r.RotationInterval); err != nil {
			return nil, err
		}
		vid, err := c.secretVersionID(r.VersionId)
		if err != nil {
			return nil, err
		}
		if err := c.housekeeping(); err != nil {
			return nil, err
		}
		if err := c.absent(s.SecretName); err != nil {
			return nil, err
		}
		v := secretVersion{VersionId: vid, CreateTime: c.now, DataType: dataType}
		if err := c.putValue(s, &v, r.SecretData); err != nil {
			return nil, err
		}
		if err := addSecretVersion(s, v, []string{StageCurrent}); err != nil {
			return nil, err
		}
		if err := c.saveSecret(s); err != nil {
			return nil, err
		}
		m := secretMessage(s, false)
		m.VersionId, m.VersionStages = vid, []string{StageCurrent}
		return m, nil
	})
}

func (e *Engine) importSecret(r *pb.ImportSecretRequest) (pb.Message, error) {
	return e.run(func(c *call) (pb.Message, error) {
		fresh, err := c.newSecret(r.SecretName, r.SecretType, r.EncryptionKeyId, r.Description, r.ExtendedConfig, r.Tags)
		if err != nil {
			return nil, err
		}
		if err := c.setSecretRotation(fresh, r.RotationInterval != "", r.RotationInterval); err != nil {
			return nil, err
		}
		if len(r.Versions) == 0 {
			return nil, kmserr.New(400, kmserr.CodeMissingParameter, "Versions is required: a secret has at least one version")
		}
		if err := c.housekeeping(); err != nil {
			return nil, err
		}
		s, err := c.secret(r.SecretName, true)
		if kerr, ok := err.(*kmserr.Error); ok && kerr.Code == codeResourceNotFound {
			s, err = fresh, nil
		}
		if err != nil {
			return nil, err
		}
		added, err := c.importVersions(s, r.Versions, s == fresh)
		if err != nil {
			return nil, err
		}
		if added > 0 { // an import that adds nothing writes nothing
			if err := c.saveSecret(s); err != nil {
				return nil, err
			}
		}
		return secretMessage(s, true), nil
	})
}

// importVersions adds the versions s lacks. A version s has must hold the
// same value. Into a secret that existed, a stage that a version already
// carries stays where it is: a version put since keeps its ACSCurrent.
func (c *call) importVersions(s *secretRecord, vs []*pb.ImportedSecretVersion, fresh bool) (int, error) {
	added := 0
	for i, iv := range vs {
		if iv == nil || iv.VersionId == "" {
			return 0, kmserr.New(400, kmserr.CodeMissingParameter, "Versions[%d].VersionId is required", i)
		}
		if err := checkLabel("VersionId", iv.VersionId); err != nil {
			return 0, err
		}
		dataType, err := checkValue(iv.SecretData, iv.SecretDataType, s.SecretType)
		if err != nil {
			return 0, err
		}
		stages := iv.VersionStages
		if len(vs) == 1 && len(stages) == 0 {
			stages = []string{StageCurrent}
		}
		for j, st := range stages {
			if err := checkLabel("VersionStages", st); err != nil {
				return 0, err
			}
			if slices.Contains(stages[:j], st) {
				return 0, kmserr.InvalidParameter("Versions[%d].VersionStages lists %s twice", i, st)
			}
		}
		if at := s.version(iv.VersionId); at >= 0 {
			if !fresh {
				old, err := c.value(s, &s.Versions[at])
				if err != nil {
					return 0, err
				}
				if !sameValue(old, iv.SecretData) || s.Versions[at].DataType != dataType {
					return 0, kmserr.New(409, codeResourceExist, "The version %s of secret %s exists with another value.", iv.VersionId, s.SecretName)
				}
				continue
			}
			return 0, kmserr.InvalidParameter("Versions[%d].VersionId %s is listed twice", i, iv.VersionId)
		}
		v := secretVersion{VersionId: iv.VersionId, CreateTime: c.now, DataType: dataType}
		if err := c.putValue(s, &v, iv.SecretData); err != nil {
			return 0, err
		}
		var give []string
		for _, st := range stages {
			if fresh || stageOwner(s.Versions, st) < 0 {
				give = append(give, st)
			}
		}
		v.Stages = nil
		s.Versions = append(s.Versions, v)
		for _, st := range give {
			// Seeded stages are placed as listed: no demotion to ACSPrevious.
			if o := stageOwner(s.Versions, st); o >= 0 {
				removeStage(&s.Versions[o], st)
			}
			s.Versions[len(s.Versions)-1].Stages = append(s.Versions[len(s.Versions)-1].Stages, st)
		}
		added++
		if s.Versions = trimVersions(s.Versions); len(s.Versions) > maxVersions {
			return 0, kmserr.New(400, codeLimitExceeded, "The secret %s would have over %d versions with stages.", s.SecretName, maxVersions)
		}
	}
	if stageOwner(s.Versions, StageCurrent) < 0 {
		return 0, kmserr.InvalidParameter("no version of secret %s has the stage ACSCurrent", s.SecretName)
	}
	return added, nil
}

// sameValue compares two secret values in constant time: whether a put is
// a repeat must not tell a caller, by its timing, how much of a stored
// value it guessed.
func sameValue(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// getSecretValue is the instance API's operation (spec §6, §10.6).
func (e *Engine) getSecretValue(r *pb.GetSecretValueRequest) (pb.Message, error) {
	return e.run(func(c *call) (pb.Message, error) {
		s, err := c.secret(r.SecretName, true)
		if err != nil {
			return nil, err
		}
		i, err := pickVersion(s, r.VersionId, r.VersionStage)
		if err != nil {
			return nil, err
		}
		v := &s.Versions[i]
		data, err := c.value(s, v)
		if err != nil {
			return nil, err
		}
		resp := &pb.GetSecretValueResponse{SecretName: s.SecretName, SecretType: s.SecretType, SecretData: data,
			SecretDataType: v.DataType, VersionStages: slices.Clone(v.Stages), VersionId: v.VersionId,
			CreateTime: formatTime(v.CreateTime)}
		if s.LastRotationDate != nil {
			resp.LastRotationDate = formatTime(*s.LastRotationDate)
		}
		if s.RotationSeconds != 0 {
			resp.NextRotationDate = formatTime(s.nextRotation())
		}
		if s.managed() {
			resp.AutomaticRotation, resp.RotationInterval = rotationFields(s)
			if r.FetchExtendedConfig {
				resp.ExtendedConfig = s.ExtendedConfig
			}
		}
		return resp, nil
	})
}

// pickVersion finds the version GetSecretValue asks for. Managed secrets
// serve ACSCurrent and ACSPrevious only and ignore VersionId.
func pickVersion(s *secretRecord, versionID, stage string) (int, error) {
	if s.managed() {
		versionID = ""
		if stage != "" && stage != StageCurrent && stage != StagePrevious {
			return 0, kmserr.InvalidParameter("VersionStage %q is not valid for a %s secret: use ACSCurrent or ACSPrevious", stage, s.SecretType)
		}
	}
	if versionID == "" && stage == "" {
		stage = StageCurrent
	}
	i := -1
	if versionID != "" {
		if i = s.version(versionID); i < 0 {
			return 0, kmserr.InvalidParameter("VersionId %q is not a version of the secret %s", versionID, s.SecretName)
		}
		if stage != "" && !slices.Contains(s.Versions[i].Stages, stage) {
			return 0, kmserr.InvalidParameter("the version %s of secret %s does not carry the stage %s", versionID, s.SecretName, stage)
		}
		return i, nil
	}
	if i = stageOwner(s.Versions, stage); i < 0 {
		return 0, kmserr.InvalidParameter("VersionStage %q is on no version of the secret %s", stage, s.SecretName)
	}
	return i, nil
}

func rotationFields(s *secretRecord) (string, string) {
	if s.RotationSeconds == 0 {
		return "Disabled", ""
	}
	return "Enabled", formatSeconds(s.RotationSeconds)
}

// formatSeconds is the wire form of an interval: "604800s".
func formatSeconds(n int64) string { return strconv.FormatInt(n, 10) + "s" }

// genericSecret is the live Generic secret an operation that only Generic
// secrets allow acts on, after housekeeping; why ends the error a managed
// secret gets.
func (c *call) genericSecret(name, why string) (*secretRecord, error) {
	if err := c.housekeeping(); err != nil {
		return nil, err
	}
	s, err := c.secret(name, true)
	if err != nil {
		return nil, err
	}
	if s.managed() {
		return nil, kmserr.New(400, kmserr.CodeUnsupportedOperation, "The secret %s is %s: "+why, s.SecretName, s.SecretType)
	}
	return s, nil
}

func (e *Engine) putSecretValue(r *pb.PutSecretValueRequest) (pb.Message, error) {
	return e.run(func(c *call) (pb.Message, error) {
		s, err := c.genericSecret(r.SecretName, "its versions come from RotateSecret, PutSecretValue is for Generic secrets.")
		if err != nil {
			return nil, err
		}
		vid, err := c.secretVersionID(r.VersionId)
		if err != nil {
			return nil, err
		}
		dataType, err := checkValue(r.SecretData, r.SecretDataType, s.SecretType)
		if err != nil {
			return nil, err
		}
		stages, err := checkStages(r.VersionStages)
		if err != nil {
			return nil, err
		}
		if at := s.version(vid); at >= 0 {
			old, err := c.value(s, &s.Versions[at])
			if err != nil {
				return nil, err
			}
			if !sameValue(old, r.SecretData) || s.Versions[at].DataType != dataType {
				return nil, kmserr.New(409, codeResourceExist, "The version %s of secret %s exists with another value: versions are write-once.", vid, s.SecretName)
			}
			return &pb.Secret{SecretName: s.SecretName, VersionId: vid, VersionStages: s.Versions[at].Stages}, nil
		}
		v := secretVersion{VersionId: vid, CreateTime: c.now, DataType: dataType}
		if err := c.putValue(s, &v, r.SecretData); err != nil {
			return nil, err
		}
		if err := addSecretVersion(s, v, stages); err != nil {
			return nil, err
		}
		s.UpdateTime = c.now
		if err := c.saveSecret(s); err != nil {
			return nil, err
		}
		return &pb.Secret{SecretName: s.SecretName, VersionId: vid, VersionStages: stages}, nil
	})
}

func (e *Engine) updateSecretVersionStage(r *pb.UpdateSecretVersionStageRequest) (pb.Message, error) {
	return e.run(func(c *call) (pb.Message, error) {
		s, err := c.genericSecret(r.SecretName, "its stages follow RotateSecret, UpdateSecretVersionStage is for Generic secrets.")
		if err != nil {
			return nil, err
		}
		if r.VersionStage == "" {
			return nil, kmserr.New(400, kmserr.CodeMissingParameter, "VersionStage is required")
		}
		if err := checkLabel("VersionStage", r.VersionStage); err != nil {
			return nil, err
		}
		if r.MoveToVersion == "" && r.RemoveFromVersion == "" {
			return nil, kmserr.New(400, kmserr.CodeMissingParameter, "MoveToVersion or RemoveFromVersion is required")
		}
		builtin := r.VersionStage == StageCurrent || r.VersionStage == StagePrevious
		if builtin && r.MoveToVersion == "" {
			return nil, kmserr.InvalidParameter("%s cannot be removed, only moved: give MoveToVersion", r.VersionStage)
		}
		if r.MoveToVersion != "" && r.MoveToVersion == r.RemoveFromVersion {
			return nil, kmserr.InvalidParameter("MoveToVersion and RemoveFromVersion are the same version %s", r.MoveToVersion)
		}
		owner := stageOwner(s.Versions, r.VersionStage)
		if r.RemoveFromVersion != "" {
			from := s.version(r.RemoveFromVersion)
			if from < 0 {
				return nil, kmserr.InvalidParameter("RemoveFromVersion %q is not a version of the secret %s", r.RemoveFromVersion, s.SecretName)
			}
			if from != owner {
				return nil, kmserr.InvalidParameter("the version %s does not carry the stage %s", r.RemoveFromVersion, r.VersionStage)
			}
		}
		if r.MoveToVersion != "" {
			to := s.version(r.MoveToVersion)
			if to < 0 {
				return nil, kmserr.InvalidParameter("MoveToVersion %q is not a version of the secret %s", r.MoveToVersion, s.SecretName)
			}
			attachStage(s.Versions, r.VersionStage, to)
		} else {
			removeStage(&s.Versions[owner], r.VersionStage)
		}
		s.UpdateTime = c.now
		if err := c.saveSecret(s); err != nil {
			return nil, err
		}
		return &pb.Secret{SecretName: s.SecretName}, nil
	})
}

func (e *Engine) rotateSecret(r *pb.RotateSecretRequest) (pb.Message, error) {
	return e.run(func(c *call) (pb.Message, error) {
		if err := c.housekeeping(); err != nil {
			return nil, err
		}
		s, err := c.secret(r.SecretName, true)
		if err != nil {
			return nil, err
		}
		if !s.managed() {
			return nil, kmserr.New(400, kmserr.CodeUnsupportedOperation, "The secret %s is Generic: pocketkms cannot invent its next value; give it with PutSecretValue.", s.SecretName)
		}
		if r.VersionId != "" {
			if err := checkLabel("VersionId", r.VersionId); err != nil {
				return nil, err
			}
			if at := s.version(r.VersionId); at >= 0 {
				return &pb.Secret{SecretName: s.SecretName, VersionId: r.VersionId, VersionStages: s.Versions[at].Stages}, nil
			}
		}
		if err := c.rotate(s, r.VersionId); err != nil {
			return nil, err
		}
		if err := c.saveSecret(s); err != nil {
			return nil, err
		}
		last := s.Versions[len(s.Versions)-1]
		return &pb.Secret{SecretName: s.SecretName, VersionId: last.VersionId, VersionStages: last.Stages}, nil
	})
}

func (e *Engine) describeSecret(r *pb.SecretNameRequest) (pb.Message, error) {
	return e.run(func(c *call) (pb.Message, error) {
		s, err := c.secret(r.SecretName, false)
		if err != nil {
			return nil, err
		}
		return secretMessage(s, r.FetchTags), nil
	})
}

// secretMessage is s's metadata.
func secretMessage(s *secretRecord, tags bool) *pb.Secret {
	m := &pb.Secret{SecretName: s.SecretName, SecretType: s.SecretType, Description: s.Description,
		EncryptionKeyId: s.EncryptionKeyId, CreateTime: formatTime(s.CreateTime), UpdateTime: formatTime(s.UpdateTime),
		ExtendedConfig: s.ExtendedConfig}
	m.AutomaticRotation, m.RotationInterval = rotationFields(s)
	if s.PlannedDeleteTime != nil {
		m.PlannedDeleteTime = formatTime(*s.PlannedDeleteTime)
	}
	if s.LastRotationDate != nil {
		m.LastRotationDate = formatTime(*s.LastRotationDate)
	}
	if s.RotationSeconds != 0 {
		m.NextRotationDate = formatTime(s.nextRotation())
	}
	if tags {
		for _, t := range s.Tags {
			m.Tags = append(m.Tags, &pb.Tag{TagKey: t.TagKey, TagValue: t.TagValue})
		}
	}
	return m
}

// page checks paging parameters: PageNumber from 1, PageSize 1 to 100
// (default 10), and returns the bounds of the page within n items.
func page(number, size int32, n int) (int32, int32, int, int, error) {
	if number == 0 {
		number = 1
	}
	if size == 0 {
		size = 10
	}
	if number < 1 {
		return 0, 0, 0, 0, kmserr.InvalidParameter("PageNumber must be at least 1, got %d", number)
	}
	if size < 1 || size > 100 {
		return 0, 0, 0, 0, kmserr.InvalidParameter("PageSize must be 1 to 100, got %d", size)
	}
	lo := min(int64(number-1)*int64(size), int64(n))
	hi := min(lo+int64(size), int64(n))
	return number, size, int(lo), int(hi), nil
}

func (e *Engine) listSecrets(r *pb.ListSecretsRequest) (pb.Message, error) {
	return e.run(func(c *call) (pb.Message, error) {
		prefixes := r.NamePrefixes
		if len(prefixes) == 0 {
			prefixes = []string{""}
		}
		seen := map[string]bool{}
		var all []*pb.Secret
		for _, p := range prefixes {
			names, err := c.tx.List(secretPrefix + p)
			if err != nil {
				return nil, kmserr.Internal("store list failed: %v", err)
			}
			for _, n := range names {
				name := strings.TrimPrefix(n, secretPrefix)
				if seen[name] {
					continue
				}
				seen[name] = true
				s, err := c.loadSecret(name)
				if err != nil {
					return nil, err
				}
				if s != nil {
					all = append(all, secretMessage(s, r.FetchTags))
				}
			}
		}
		// sort.Slice, not slices.SortFunc: the module already has it.
		sort.Slice(all, func(i, j int) bool { return all[i].SecretName < all[j].SecretName })
		num, size, lo, hi, err := page(r.PageNumber, r.PageSize, len(all))
		if err != nil {
			return nil, err
		}
		return &pb.ListSecretsResponse{SecretList: all[lo:hi], PageNumber: num, PageSize: size, TotalCount: int32(len(all))}, nil
	})
}

func (e *Engine) listSecretVersionIds(r *pb.ListSecretVersionIdsRequest) (pb.Message, error) {
	return e.run(func(c *call) (pb.Message, error) {
		s, err := c.secret(r.SecretName, false)
		if err != nil {
			return nil, err
		}
		var all []*pb.SecretVersion
		for _, v := range s.Versions {
			if len(v.Stages) > 0 || r.IncludeDeprecated {
				all = append(all, &pb.SecretVersion{VersionId: v.VersionId, CreateTime: formatTime(v.CreateTime),
					VersionStages: slices.Clone(v.Stages), SecretDataType: v.DataType})
			}
		}
		num, size, lo, hi, err := page(r.PageNumber, r.PageSize, len(all))
		if err != nil {
			return nil, err
		}
		return &pb.ListSecretVersionIdsResponse{SecretName: s.SecretName, VersionIds: all[lo:hi], PageNumber: num,
			PageSize: size, TotalCount: int32(len(all))}, nil
	})
}

func (e *Engine) deleteSecret(r *pb.DeleteSecretRequest) (pb.Message, error) {
	return e.run(func(c *call) (pb.Message, error) {
		if err := c.housekeeping(); err != nil {
			return nil, err
		}
		if r.ForceDeleteWithoutRecovery && r.RecoveryWindowInDays != 0 {
			return nil, kmserr.InvalidParameter("give RecoveryWindowInDays or ForceDeleteWithoutRecovery, not both")
		}
		days := r.RecoveryWindowInDays
		if days == 0 {
			days = 30
		}
		if days < 7 || days > 30 {
			return nil, kmserr.InvalidParameter("RecoveryWindowInDays must be 7 to 30, got %d", days)
		}
		s, err := c.secret(r.SecretName, false)
		if err != nil {
			return nil, err
		}
		if r.ForceDeleteWithoutRecovery {
			c.tx.Delete(secretPrefix + s.SecretName)
			return &pb.Secret{SecretName: s.SecretName, PlannedDeleteTime: formatTime(c.now)}, nil
		}
		if s.PlannedDeleteTime != nil {
			return nil, kmserr.New(409, codeInDeleteWindow, "The secret %s is already planned to be deleted at %s.", s.SecretName, formatTime(*s.PlannedDeleteTime))
		}
		d := c.now.Add(time.Duration(days) * 24 * time.Hour)
		s.PlannedDeleteTime = &d
		if err := c.saveSecret(s); err != nil {
			return nil, err
		}
		return &pb.Secret{SecretName: s.SecretName, PlannedDeleteTime: formatTime(d)}, nil
	})
}

func (e *Engine) restoreSecret(r *pb.SecretNameRequest) (pb.Message, error) {
	return e.run(func(c *call) (pb.Message, error) {
		if err := c.housekeeping(); err != nil {
			return nil, err
		}
		s, err := c.secret(r.SecretName, false)
		if err != nil {
			return nil, err
		}
		if s.PlannedDeleteTime == nil {
			return nil, kmserr.InvalidParameter("The secret %s is not planned to be deleted.", s.SecretName)
		}
		s.PlannedDeleteTime = nil
		if err := c.saveSecret(s); err != nil {
			return nil, err
		}
		return &pb.Secret{SecretName: s.SecretName}, nil
	})
}

// tagSecret changes a secret's tags with the rules of key tags. The answer
// is an empty KeyResponse: TagResource's response type is fixed.
func (e *Engine) tagSecret(name, keyID string, change func(*keyRecord) error) (pb.Message, error) {
	if keyID != "" {
		return nil, kmserr.InvalidParameter("give KeyId or SecretName, not both")
	}
	return e.run(func(c *call) (pb.Message, error) {
		s, err := c.secret(name, true)
		if err != nil {
			return nil, err
		}
		holder := keyRecord{KeyId: name, Tags: s.Tags}
		if err := change(&holder); err != nil {
			return nil, err
		}
		s.Tags, s.UpdateTime = holder.Tags, c.now
		if err := c.saveSecret(s); err != nil {
			return nil, err
		}
		return &pb.KeyResponse{}, nil
	})
}
