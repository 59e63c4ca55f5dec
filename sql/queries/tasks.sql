-- Tasks. Every statement filters on user_id, so one user can never read or
-- change another's rows; a task that belongs to someone else looks exactly
-- like one that does not exist.

-- name: task_list
-- Newest first, keyset-paginated on id: $3 is the id of the last task of the
-- previous page (NULL for the first page). The caller asks for one row more
-- than the page size to learn whether another page follows. The index
-- tasks_user_id_id_idx serves both the filter and the order.
SELECT id, title, description, completed, created_at, updated_at
FROM tasks
WHERE user_id = $1
  AND ($2::boolean IS NULL OR completed = $2::boolean)
  AND ($3::bigint IS NULL OR id < $3::bigint)
ORDER BY id DESC
LIMIT $4;

-- name: task_insert
INSERT INTO tasks (user_id, title, description, completed)
VALUES ($1, $2, $3, $4)
RETURNING id, title, description, completed, created_at, updated_at;

-- name: task_get
SELECT id, title, description, completed, created_at, updated_at
FROM tasks
WHERE id = $1 AND user_id = $2;

-- name: task_update
-- A partial update: a NULL parameter keeps the column's current value.
UPDATE tasks
SET title       = COALESCE($3::text, title),
    description = COALESCE($4::text, description),
    completed   = COALESCE($5::boolean, completed),
    updated_at  = now()
WHERE id = $1 AND user_id = $2
RETURNING id, title, description, completed, created_at, updated_at;

-- name: task_delete
DELETE FROM tasks
WHERE id = $1 AND user_id = $2;
