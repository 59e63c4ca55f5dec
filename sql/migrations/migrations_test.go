package migrations

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMigrationsAreNumberedAndOrdered(t *testing.T) {
	t.Parallel()

	migs, err := All()
	require.NoError(t, err)
	require.NotEmpty(t, migs)
	for i, m := range migs {
		require.Equal(t, i+1, m.Version, "migration versions must be 1..N without gaps: %s", m.Name)
		require.NotEmpty(t, m.SQL)
	}
}
