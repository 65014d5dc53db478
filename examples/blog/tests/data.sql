INSERT INTO user (username, password)
VALUES
  ('test', 'pbkdf2:sha256:1000$NbEO6uTawrwQbydR$402a826d8a29830ce97efa3319678f6841fa34825fcda305038ccb0bba714a81'),
  ('other', 'pbkdf2:sha256:1000$QiqDZmNd6DgAyKW4$73f2d584ea5b60d84258d12aef0a042d12491e02d377b552de4d948d0f0580af');

INSERT INTO post (title, body, author_id, created)
VALUES
  ('test title', 'test' || char(10) || 'body', 1, '2018-01-01 00:00:00');
