package auth

import (
	"context"
	"fmt"

	"github.com/todoapp/resetmail/internal/postgres/dbsqlc"
)

// SetPassword stores hash as userID's password inside the caller's
// transaction db and revokes every access token issued before it, the way
// "sign out everywhere" does. It returns the account's address. The caller
// has validated the password (ValidatePassword) and hashed it
// (Service.HashPassword).
func SetPassword(ctx context.Context, db dbsqlc.DBTX, userID int64, hash string) (email string, err error) {
	email, err = dbsqlc.New().UserSetPassword(ctx, db, dbsqlc.UserSetPasswordParams{ID: userID, PasswordHash: hash})
	if err != nil {
		return "", fmt.Errorf("set password: %w", err)
	}
	return email, nil
}
