"""Materials: element edges, optical constants n = 1 - delta + i beta with magnetic parts, material parameters."""
