-- Tasks. Every statement filters on user_id, so one user can never read or
-- change another's rows; a task that belongs to someone else looks exactly
-- like one that does not exist. Each returns every column, in table order,
-- so that sqlc gives all of them one row type, dbsqlc.Task.

-- name: TaskList :many
-- Newest first, keyset-paginated on id: after is the id of the last task of
-- the previous page (NULL for the first page). The caller asks for one row
-- more than the page size to learn whether another page follows. The index
-- tasks_user_id_id_idx serves both the filter and the order.
SELECT id, user_id, title, description, completed, created_at, updated_at
FROM tasks
WHERE user_id = sqlc.arg(user_id)
  AND (sqlc.narg(completed)::boolean IS NULL OR completed = sqlc.narg(completed)::boolean)
  AND (sqlc.narg(after)::bigint IS NULL OR id < sqlc.narg(after)::bigint)
ORDER BY id DESC
LIMIT sqlc.arg(row_limit);

-- name: TaskInsert :one
INSERT INTO tasks (user_id, title, description, completed)
VALUES ($1, $2, $3, $4)
RETURNING id, user_id, title, description, completed, created_at, updated_at;

-- name: TaskGet :one
SELECT id, user_id, title, description, completed, created_at, updated_at
FROM tasks
WHERE id = $1 AND user_id = $2;

-- name: TaskUpdate :one
-- A partial update: a NULL parameter keeps the column's current value.
UPDATE tasks
SET title       = COALESCE(sqlc.narg(title)::text, title),
    description = COALESCE(sqlc.narg(description)::text, description),
    completed   = COALESCE(sqlc.narg(completed)::boolean, completed),
    updated_at  = now()
WHERE id = sqlc.arg(id) AND user_id = sqlc.arg(user_id)
RETURNING id, user_id, title, description, completed, created_at, updated_at;

-- name: TaskDelete :execrows
DELETE FROM tasks
WHERE id = $1 AND user_id = $2;
