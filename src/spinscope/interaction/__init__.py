"""The exit wave: photons through the magnetised film, charge and magnetic parts."""
