"""The document vault: validation, virus scan, envelope encryption and storage of uploads."""
