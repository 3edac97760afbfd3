package envwriter

// A Plan describes itself, so that every face (the commands, the wizard,
// doctor) shows it the same way without knowing how it was made: each
// change says what it does to its file, and the plan says whether it writes
// settings or reverts them.

// Action is what applying a change does to its file or value.
type Action string

const (
	ActionCreate    Action = "create"
	ActionEdit      Action = "edit"
	ActionRemove    Action = "remove"
	ActionUnchanged Action = "unchanged"
)

// Action is what applying c does on disk.
func (c Change) Action() Action {
	switch {
	case !c.Changed():
		return ActionUnchanged
	case c.New == nil:
		return ActionRemove
	case !c.Exists:
		return ActionCreate
	}
	return ActionEdit
}

// Purpose says whether a plan writes settings (gosetup env, install) or
// reverts what gosetup wrote (uninstall).
type Purpose string

const (
	PurposeWrite  Purpose = "write"
	PurposeRevert Purpose = "revert"
)

// Purpose is what p is for.
func (p *Plan) Purpose() Purpose {
	if p.uninstall {
		return PurposeRevert
	}
	return PurposeWrite
}

// RegistryChange is one HKCU\Environment value a plan writes or reverts.
type RegistryChange struct {
	Name string
	// Action is ActionCreate or ActionEdit for a value set, ActionEdit
	// for one put back to its prior data, ActionRemove for one deleted
	// because it did not exist before gosetup.
	Action Action
	// Reverts is true when the value goes back to what it was before
	// gosetup (uninstall, or a GO* value moving to the Go env file).
	Reverts bool
	// PriorExists and Prior are the value before gosetup: Prior is the
	// text Windows reads from it (RegistryRecord.PriorText; the record
	// keeps its exact bytes), or "" when PriorType is not a string type
	// (RegistryRecord.PriorIsText). Data is what gosetup writes (or
	// wrote, when Reverts).
	PriorExists bool
	PriorType   uint32
	PriorIsText bool
	Prior       string
	Data        string
	// Why says why a value is reverted by a plan that writes settings.
	Why string
}

// RegistryChanges lists the registry values p writes and reverts, in
// that order.
func (p *Plan) RegistryChanges() []RegistryChange {
	var out []RegistryChange
	for _, r := range p.Registry {
		rc := newRegistryChange(r)
		rc.Reverts = p.uninstall
		switch {
		case p.uninstall && !r.PriorExists:
			rc.Action = ActionRemove
		case !r.PriorExists:
			rc.Action = ActionCreate
		default:
			rc.Action = ActionEdit
		}
		out = append(out, rc)
	}
	for _, r := range p.RegistryRevert {
		rc := newRegistryChange(r)
		rc.Reverts, rc.Action, rc.Why = true, ActionEdit, "the value now lives in the Go env file"
		if !r.PriorExists {
			rc.Action = ActionRemove
		}
		out = append(out, rc)
	}
	return out
}

// newRegistryChange describes r's value before and after, its prior as
// the text Windows reads (not the record's marked bytes).
func newRegistryChange(r RegistryRecord) RegistryChange {
	rc := RegistryChange{Name: r.Name, PriorExists: r.PriorExists, Data: r.Data}
	if r.PriorExists {
		rc.PriorType, rc.PriorIsText = r.PriorType, r.PriorIsText()
		if rc.PriorIsText {
			rc.Prior = r.PriorText()
		}
	}
	return rc
}
