"""Operations: backing up and restoring the database (`mediation backup …`)."""
