package kms

import (
	"github.com/pocketkms/pocketkms/core/kmserr"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/internal/ids"
)

// bindAlias points name at keyID. With rebind the alias must exist (UpdateAlias);
// without, it must not (CreateAlias). An alias of a key that is gone is free.
func (c *call) bindAlias(name, keyID string, rebind bool) error {
	if err := ids.CheckAlias(name); err != nil {
		return kmserr.InvalidParameter("AliasName: %v", err)
	}
	a, err := c.loadAlias(name)
	if err != nil {
		return err
	}
	if a != nil {
		if k, err := c.loadKey(a.KeyId); err != nil {
			return err
		} else if k == nil {
			a = nil
		}
	}
	switch {
	case a != nil && !rebind:
		return kmserr.New(409, kmserr.CodeAlreadyExists, "The alias %s already exists (it names %s).", name, a.KeyId)
	case a == nil && rebind:
		return kmserr.New(404, kmserr.CodeAliasNotFound, "The alias %s is not found.", name)
	}
	created := c.now
	if a != nil {
		created = a.CreationDate
	}
	return c.saveAlias(&aliasRecord{AliasName: name, KeyId: keyID, CreationDate: created})
}

// aliasTarget resolves the KeyId of CreateAlias/UpdateAlias: a real key id,
// never another alias.
func (c *call) aliasTarget(keyID string) (*keyRecord, error) {
	if ids.IsAlias(keyID) {
		return nil, kmserr.InvalidParameter("KeyId %q must be a key id, not an alias", keyID)
	}
	return c.resolve(keyID)
}

func (e *Engine) createAlias(r *pb.AliasRequest, rebind bool) (pb.Message, error) {
	return e.run(func(c *call) (pb.Message, error) {
		k, err := c.aliasTarget(r.KeyId)
		if err != nil {
			return nil, err
		}
		if !rebind {
			if err := c.purge(); err != nil {
				return nil, err
			}
		}
		if err := c.bindAlias(r.AliasName, k.KeyId, rebind); err != nil {
			return nil, err
		}
		a, err := c.loadAlias(r.AliasName)
		if err != nil {
			return nil, err
		}
		return &pb.AliasResponse{Alias: aliasMessage(a)}, nil
	})
}

func (e *Engine) deleteAlias(r *pb.AliasRequest) (pb.Message, error) {
	return e.run(func(c *call) (pb.Message, error) {
		if err := ids.CheckAlias(r.AliasName); err != nil {
			return nil, kmserr.InvalidParameter("AliasName: %v", err)
		}
		a, err := c.loadAlias(r.AliasName)
		if err != nil {
			return nil, err
		}
		if a == nil {
			return nil, kmserr.New(404, kmserr.CodeAliasNotFound, "The alias %s is not found.", r.AliasName)
		}
		c.tx.Delete(aliasPrefix + r.AliasName)
		return &pb.EmptyResponse{}, nil
	})
}

func (e *Engine) listAliases(r *pb.ListAliasesRequest, byKey bool) (pb.Message, error) {
	return e.run(func(c *call) (pb.Message, error) {
		keyID := ""
		if byKey {
			k, err := c.resolve(r.KeyId)
			if err != nil {
				return nil, err
			}
			keyID = k.KeyId
		}
		as, err := c.aliasesOf(keyID)
		if err != nil {
			return nil, err
		}
		resp := &pb.ListAliasesResponse{}
		for _, a := range as {
			if k, err := c.loadKey(a.KeyId); err != nil {
				return nil, err
			} else if k == nil {
				continue
			}
			resp.Aliases = append(resp.Aliases, aliasMessage(a))
		}
		return resp, nil
	})
}

func aliasMessage(a *aliasRecord) *pb.Alias {
	return &pb.Alias{AliasName: a.AliasName, KeyId: a.KeyId, CreationDate: formatTime(a.CreationDate)}
}
