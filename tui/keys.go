package tui

import "charm.land/bubbles/v2/key"

// KeyMap is every key the wizard answers to. Each screen says which of
// them apply to it (screen.keys), and the footer shows exactly those.
type KeyMap struct {
	Up, Down, Filter, Enter, Back, Quit, Help key.Binding
	Reprobe, Select, Scroll, ClearFilter      key.Binding
	Yes, No                                   key.Binding
}

// NewKeyMap labels the keys in the wizard's language.
func NewKeyMap(t *Text) KeyMap {
	return KeyMap{
		Up:          key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", t.KeyUp)),
		Down:        key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", t.KeyDown)),
		Filter:      key.NewBinding(key.WithKeys("/"), key.WithHelp("/", t.KeyFilter)),
		Enter:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", t.KeyEnter)),
		Back:        key.NewBinding(key.WithKeys("esc", "shift+tab"), key.WithHelp("esc", t.KeyBack)),
		Quit:        key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", t.KeyQuit)),
		Help:        key.NewBinding(key.WithKeys("?"), key.WithHelp("?", t.KeyHelp)),
		Reprobe:     key.NewBinding(key.WithKeys("r"), key.WithHelp("r", t.KeyReprobe)),
		Select:      key.NewBinding(key.WithKeys("space"), key.WithHelp("space", t.KeySelect)),
		Scroll:      key.NewBinding(key.WithKeys("pgup", "pgdown"), key.WithHelp("pgup/pgdn", t.KeyScroll)),
		ClearFilter: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", t.KeyClearFilter)),
		Yes:         key.NewBinding(key.WithKeys("y"), key.WithHelp("y", t.KeyYes)),
		No:          key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n", t.KeyNo)),
	}
}

// helpKeys adapts a screen's bindings to bubbles/help: the short view is
// the footer, the full view (after ?) the same keys in columns.
type helpKeys struct{ short, full []key.Binding }

func (h helpKeys) ShortHelp() []key.Binding { return h.short }
func (h helpKeys) FullHelp() [][]key.Binding {
	var out [][]key.Binding
	for i := 0; i < len(h.full); i += 4 {
		out = append(out, h.full[i:min(i+4, len(h.full))])
	}
	return out
}
