package packaging

import (
	"bytes"
	"debug/elf"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// requireStatic fails unless the binary at path needs nothing from the image
// to start: no program interpreter (the dynamic loader, PT_INTERP) and no
// shared library (DT_NEEDED). It reads the ELF headers itself rather than
// trusting `file` or `ldd`, which a minimal CI image may lack.
func requireStatic(t *testing.T, path string) {
	t.Helper()
	f, err := elf.Open(path)
	require.NoError(t, err)
	defer f.Close()
	for _, p := range f.Progs {
		require.NotEqual(t, elf.PT_INTERP, p.Type, "the binary asks for a dynamic loader; was it built with cgo?")
	}
	libs, err := f.ImportedLibraries()
	require.NoError(t, err)
	require.Empty(t, libs, "the binary needs shared libraries")
	// -s and -w: no symbol table, no DWARF.
	require.Nil(t, f.Section(".symtab"), "symbol table present: -s missing")
	require.Nil(t, f.Section(".debug_info"), "DWARF present: -w missing")
}

// requireSelfContained fails unless the binary carries its own time zone
// database and CA roots and no path from the build machine. The names looked
// for appear only in the embedded zoneinfo archive and in the fallback root
// bundle's certificates.
func requireSelfContained(t *testing.T, path, buildDir string) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.True(t, bytes.Contains(data, []byte("Pacific/Chatham")), "time/tzdata is not embedded")
	require.True(t, bytes.Contains(data, []byte("ISRG Root X1")), "x509roots/fallback is not embedded")
	require.False(t, bytes.Contains(data, []byte(buildDir)), "the build directory leaked into the binary: -trimpath missing")
}
