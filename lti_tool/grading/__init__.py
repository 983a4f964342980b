"""Grade passback through Assignment and Grade Services, via a transactional outbox."""
