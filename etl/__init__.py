"""Write side of the 311 portal: raw city export -> validated, privacy-safe, versioned data package -> SQL."""

__version__ = "0.1.0"
