r"""Equations of the two-, three- and microscopic three-temperature models, vectorised over pixels.

All temperatures are in K, energies per unit film volume in J/m^3, times in s. Each pixel is an
independent film column (lateral heat flow is neglected: the pump spot, ~10-100 um, is much wider
than the heat diffusion length within 10 ns, ~0.1-1 um).

Electrons and lattice (2TM, Anisimov et al. 1974; Beaurepaire et al., PRL 76, 4250 (1996))
    .. math::
        \gamma T_e \dot T_e &= -g_{ep}(T_e - T_p) + P(t) \;[-\, g_{es}(T_e - T_s)] \\
        C_p \dot T_p &= g_{ep}(T_e - T_p) \;[-\, g_{sp}(T_p - T_s)] - q_\mathrm{out}/d

    with the electronic heat capacity ``C_e = gamma T_e`` (free-electron Sommerfeld form), a constant
    lattice heat capacity (Dulong-Petit), the absorbed power density ``P(t) = u g(t)``
    (:mod:`spinscope.ultrafast.pump`) and the heat flux ``q_out`` [W/m^2] leaving the film.

Three-temperature model, "3TM" (Beaurepaire et al. 1996)
    adds a spin bath: ``C_s dT_s/dt = g_es (T_e - T_s) + g_sp (T_p - T_s)``; the magnetisation is the
    mean-field equilibrium magnetisation at the spin temperature, ``m = m_eq(T_s)``.

Microscopic three-temperature model, "M3TM" (Koopmans et al., Nat. Mater. 9, 259 (2010))
    Elliott-Yafet spin-flip scattering with probability ``a_sf`` at each electron-phonon scattering
    event, for spin 1/2 in the mean-field (Weiss) exchange splitting:

    .. math::
        \dot m = R\, m\, \frac{T_p}{T_C} \left[1 - m \coth\left(\frac{m T_C}{T_e}\right)\right],
        \qquad R = \frac{8 a_{sf} g_{ep} k_B T_C^2 V_\mathrm{at}}{\mu_\mathrm{at} E_D^2}.

    The fixed point ``m = tanh(m T_C / T_e)`` is the spin-1/2 mean-field magnetisation, so an
    unpumped film stays at ``m_eq(T0)``. Type I (Ni, Co: large R) demagnetises within ~0.1-0.3 ps in
    one step; type II (Gd: ``R = 0.092 ps^-1``, ``T_C`` close to the lattice temperature reached) has a
    fast first step while ``T_e`` is hot and a slow second one, limited by ``T_p`` approaching T_C.
    The energy carried by the spin system is neglected in the bath equations (as in Koopmans 2010).

Two-sublattice M3TM for RE/TM ferrimagnets (Schellekens & Koopmans, PRB 87, 020407 (2013);
Mentink et al., PRL 108, 057202 (2012))
    Each sublattice ``i`` (atomic fraction ``x_i``, moment ``mu_i``) has its own reduced
    magnetisation ``m_i`` measured along its *own* ground-state direction (so in the ground state
    both are positive and the RE moment points against the TM moment). The molecular field (in K)
    is ``h_i = sum_j x_j J_ij m_j`` with an own-frame exchange matrix ``J_ij >= 0`` (antiferromagnetic
    RE-TM coupling). Two channels change ``m_i``:

    *Elliott-Yafet spin flips* with the sublattice's own rate (reducing to Koopmans' equation for a
    single species, where ``h = T_C m``):

    .. math::
        \dot m_i\big|_{EY} = R_i \frac{T_p}{T_{C,i}} \left[\frac{h_i}{T_{C,i}}
            - m_i \frac{T_e}{T_{C,i}}\, y_i \coth y_i\right], \qquad y_i = h_i / T_e;

    *Exchange scattering*, which moves angular momentum between the sublattices and conserves the
    total ``x_A mu_A m_A - x_B mu_B m_B`` (Mentink et al. 2012):

    .. math::
        \dot m_i\big|_{ex} = \lambda_{ex} \frac{\bar w}{w_i}
            \frac{H_A + H_B}{T_C}, \qquad H_i = h_i - T_e \operatorname{artanh} m_i,

    with ``w_i = x_i mu_i`` (angular-momentum weight), ``w̄`` their mean and ``T_C`` the alloy's mean-
    field Curie temperature. ``H_i`` is the non-equilibrium (thermodynamic) field of sublattice ``i``;
    both vanish in equilibrium. After the pump ``T_e artanh m_i`` dominates and both sublattices lose
    angular momentum together, the TM (small ``w``, large ``R``) faster than the RE; when the TM has
    been quenched while the RE is still magnetised, exchange scattering keeps transferring the RE's
    angular momentum and drives ``m_TM`` through zero: a transient ferromagnetic-like state (``m_TM <
    0 < m_RE`` in own frames, i.e. parallel moments), which requires a threshold fluence (Radu et al.,
    Nature 472, 205 (2011)).

Heat flow out of the film
    ``cooling_time``: ``q_out / d = C_p (T_p - T0) / tau``. ``substrate``: 1-D diffusion through a
    membrane or substrate of ``n`` cells (finite volumes), coupled to the film lattice through the
    thermal boundary conductance ``G_K`` in series with half a cell; the far side is a sink at ``T0``
    or insulating. Two extra variables integrate the absorbed energy and the energy that left through
    the sink (or the cooling term), so energy conservation is checked exactly.
"""

from __future__ import annotations

import math

import numpy as np

from spinscope.constants import K_B
from spinscope.errors import ConfigError, DataRangeError, MaterialError

__all__ = [
    "MODELS",
    "System",
    "equilibrium_magnetisation",
    "koopmans_rate",
]

#: Model names.
MODELS = ("2TM", "3TM", "M3TM")


def koopmans_rate(a_sf: float, g_ep: float, T_C: float, atomic_volume: float, mu_at: float,
                  T_D: float) -> float:
    """The M3TM rate ``R = 8 a_sf g_ep k_B T_C^2 V_at / (mu_at (k_B T_D)^2)`` (Koopmans et al. 2010).

    Parameters
    ----------
    a_sf
        Spin-flip probability [dimensionless].
    g_ep
        Electron-phonon coupling [W/m^3/K].
    T_C
        Curie temperature [K].
    atomic_volume
        Volume per atom [m^3].
    mu_at
        Atomic moment [Bohr magnetons].
    T_D
        Debye temperature [K].

    Returns
    -------
    float
        R [1/s].

    Notes
    -----
    With the electron-phonon couplings of the presets this formula does not reproduce the rates of
    Koopmans' Table 1 (Ni: 3.0 vs 17.2 ps^-1; Co: 2.2 vs 25.3 ps^-1; Gd: 0.11 vs 0.092 ps^-1): the
    paper's R were fitted to data together with its own g_ep. The presets therefore carry the
    tabulated R; this function is used only for species without one, and for ratios (scaling R of a
    neighbouring element), where the uncertain prefactor cancels.
    """
    return 8.0 * a_sf * g_ep * K_B * T_C**2 * atomic_volume / (mu_at * (K_B * T_D) ** 2)


def _xcothx(y):
    """``y coth y`` (even, >= 1), equal to 1 + y^2/3 + ... near the removable singularity at 0."""
    out = np.ones_like(y)
    np.divide(y, np.tanh(y), out=out, where=np.abs(y) > 1e-6)  # 1 + y^2/3 < 1 + 4e-13 below
    return out


def _exchange_setup(material):
    """Return fractions, moments, own-frame exchange matrix [K], pure T_C and alloy T_C."""
    sp = material.species
    x = np.array([s.fraction for s in sp]) if len(sp) == 2 else np.ones(len(sp))
    if len(sp) == 1:
        J = np.array([[sp[0].T_C]])
    else:
        J = np.asarray(material.exchange, dtype=float)
    Jx = J * x[None, :]  # h_i = sum_j Jx_ij m_j
    tc_alloy = float(np.max(np.real(np.linalg.eigvals(Jx)))) if len(sp) else 0.0
    return x, J, Jx, tc_alloy


def equilibrium_magnetisation(material, T, *, tol: float = 1e-13, max_iter: int = 200):
    """Mean-field (spin-1/2) equilibrium magnetisation of each species, ``m_i = tanh(h_i / T)``.

    Parameters
    ----------
    material
        An :class:`~spinscope.config.ultrafast.UltrafastMaterialConfig` with one or two species.
    T
        Temperature(s) [K], scalar or array.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_species,) + shape(T)``: reduced magnetisations in own frames [0..1].
    """
    T = np.asarray(T, dtype=float)
    if np.any(~(T > 0)):
        raise ConfigError("T: expected temperatures > 0 K", field="T")
    _, _, Jx, _ = _exchange_setup(material)
    ns = Jx.shape[0]
    flatT = T.reshape(-1)
    m = np.ones((ns, flatT.size))
    eye = np.eye(ns)
    for _ in range(max_iter):
        h = Jx @ m
        th = np.tanh(h / flatT)
        F = m - th
        sech2 = 1.0 - th**2
        # Newton: (I - diag(sech2) Jx / T) dm = -F, solved per temperature
        Jac = eye[None, :, :] - (sech2.T[:, :, None] * Jx[None, :, :]) / flatT[:, None, None]
        dm = np.linalg.solve(Jac, -F.T[:, :, None])[:, :, 0].T
        m = np.clip(m + dm, 0.0, 1.0)
        if np.max(np.abs(dm)) < tol:
            break
    return m.reshape((ns,) + T.shape)


class System:
    """State layout, parameters and right-hand side of one model for one material.

    Parameters
    ----------
    material
        An :class:`~spinscope.config.ultrafast.UltrafastMaterialConfig`.
    model
        ``"2TM"``, ``"3TM"``, ``"M3TM"`` or ``"auto"`` (M3TM when the material has species, else 2TM).
    T0
        Start and sink temperature [K].
    heat_sink
        Override the material's heat sink: ``"none"`` (adiabatic film) or ``None`` (keep).
    """

    def __init__(self, material, model: str = "auto", T0: float | None = None,
                 heat_sink: str | None = None):
        self.material = material
        if model == "auto":
            model = "M3TM" if material.species else "2TM"
        if model not in MODELS:
            raise ConfigError(f"model: expected one of {MODELS} or 'auto', got {model!r}",
                              field="model")
        self.model = model
        self.T0 = float(material.T0 if T0 is None else T0)
        if not (self.T0 > 0) or not math.isfinite(self.T0):
            raise ConfigError(f"T0: expected a temperature > 0 K, got {T0!r}", field="T0")
        self.gamma = material.gamma_e
        self.Cp = material.C_p
        self.g = material.g_ep
        self.d = material.thickness
        self.species = [s.name for s in material.species]
        self.ns_m = 0  # number of dynamic magnetisation variables
        if model == "3TM":
            self._init_spin_bath()
        if model == "M3TM":
            self._init_m3tm()
        self._init_magnetisation()
        self._init_heat_sink(heat_sink)
        self._init_layout()

    def _init_spin_bath(self) -> None:
        """3TM: spin-bath heat capacity and couplings (``C_s``, ``g_es`` required)."""
        material = self.material
        for name in ("C_s", "g_es"):
            if getattr(material, name) is None:
                raise MaterialError(f"{name}: material {material.name!r} lacks the 3TM "
                                    f"parameter {name}", field=name)
        self.Cs = material.C_s
        self.g_es = material.g_es
        self.g_sp = material.g_sp or 0.0

    def _init_m3tm(self) -> None:
        """M3TM: demagnetisation rates R [1/s] (given, or Koopmans' from ``a_sf``), Curie temperatures
        [K] and, for two sublattices, the exchange coupling weights."""
        material = self.material
        if not material.species:
            raise MaterialError(f"species: material {material.name!r} has no magnetic species "
                                "for the M3TM", field="species")
        self.ns_m = len(material.species)
        R = []
        for i, s in enumerate(material.species):
            if s.R is not None:
                R.append(s.R)
            elif None not in (s.a_sf, s.T_D, s.atomic_volume):
                R.append(koopmans_rate(s.a_sf, material.g_ep, s.T_C, s.atomic_volume,
                                       s.mu_at, s.T_D))
            else:
                raise MaterialError(
                    f"species[{i}].R: material {material.name!r} species {s.name!r} needs R, "
                    "or a_sf, T_D and atomic_volume", field=f"species[{i}].R")
        self.R = np.array(R)
        self.TCi = np.array([s.T_C for s in material.species])
        if self.ns_m == 2:
            if material.lambda_ex is None:
                raise MaterialError(f"lambda_ex: two-sublattice material {material.name!r} "
                                    "needs lambda_ex", field="lambda_ex")
            self.lam = material.lambda_ex
            w = np.array([s.fraction * s.mu_at for s in material.species])
            self.wfac = w.mean() / w

    def _init_magnetisation(self) -> None:
        """Mean-field exchange set-up and the equilibrium magnetisation at T0 (empty without species)."""
        material = self.material
        if not material.species:
            self.m_eq0 = np.zeros(0)
            return
        self.x, self.J, self.Jx, self.TC = _exchange_setup(material)
        if self.TC <= 0:
            raise MaterialError("exchange: the mean-field Curie temperature is not positive",
                                field="exchange")
        self.m_eq0 = equilibrium_magnetisation(material, self.T0)
        if self.model == "M3TM" and np.all(self.m_eq0 < 1e-6):
            raise DataRangeError(
                f"T0: {self.T0:g} K is above the mean-field Curie temperature "
                f"{self.TC:.0f} K of {material.name!r}: there is no magnetisation to quench "
                "(lower T0, or use model='2TM')", field="T0")

    def _init_heat_sink(self, heat_sink: str | None) -> None:
        """Heat flow out of the film: none, a cooling time [s] or a 1D substrate of ``n_cells``."""
        hs = self.material.heat_sink
        self.sink = "none" if heat_sink == "none" else hs.kind
        self.nsub = 0
        if self.sink == "cooling_time":
            self.tau_cool = hs.cooling_time
        elif self.sink == "substrate":
            self.nsub = hs.n_cells
            self.dz = hs.substrate_thickness / hs.n_cells
            self.kap = hs.substrate_conductivity
            self.Csub = hs.substrate_heat_capacity
            self.G_if = 1.0 / (1.0 / hs.interface_conductance + self.dz / (2.0 * self.kap))
            self.bottom = hs.bottom

    def _init_layout(self) -> None:
        """State-vector layout (names and slices) and the static stiffness bound [1/s] of the heat flow."""
        model = self.model
        names = ["Te", "Tp"]
        if model == "3TM":
            names.append("Ts")
        names += [f"m[{s}]" for s in (self.species if model == "M3TM" else [])]
        names += [f"Tsub[{j}]" for j in range(self.nsub)]
        names += ["E_abs", "E_out"]
        self.names = names
        self.nv = len(names)
        self.i_m = slice(3 if model == "3TM" else 2, (3 if model == "3TM" else 2) + self.ns_m)
        self.i_sub = slice(self.i_m.stop, self.i_m.stop + self.nsub)
        self.i_eabs = self.nv - 2
        self.i_eout = self.nv - 1
        # static stiffness bound of the linear heat-flow part [1/s]
        lam = 0.0
        if self.sink == "cooling_time":
            lam = 1.0 / self.tau_cool
        elif self.sink == "substrate":
            lam = max(self.G_if / (self.Cp * self.d) + self.G_if / (self.Csub * self.dz),
                      4.0 * self.kap / (self.Csub * self.dz**2))
        self.lam_static = lam

    # ----------------------------------------------------------------------------------------------
    @property
    def out_names(self) -> list[str]:
        """Names of the rows stored at each output delay (:meth:`output`)."""
        names = ["Te", "Tp"] + (["Ts"] if self.model == "3TM" else [])
        names += [f"m[{s}]" for s in (self.species if self.ns_m else [])]
        return names + ["E_abs", "E_film", "E_out"]

    def output(self, y) -> np.ndarray:
        """The rows kept at an output delay: temperatures, m, and the energy balance.

        Only these (not the substrate cells) are stored, so the output of N = 1e6 pixels stays
        small: ``(n_out, n)`` with the rows of :attr:`out_names`.
        """
        k = 3 if self.model == "3TM" else 2
        rows = [y[:k]]
        if self.ns_m:
            rows.append(y[self.i_m])
        rows.append(y[self.i_eabs][None])
        rows.append(self.film_energy(y)[None])
        rows.append(self.outflow_energy(y)[None])
        return np.concatenate(rows, axis=0)

    def initial_state(self, n: int) -> np.ndarray:
        """State ``(n_var, n)`` of ``n`` unpumped pixels at ``T0`` and ``m_eq(T0)``."""
        y = np.zeros((self.nv, n))
        y[0] = y[1] = self.T0
        if self.model == "3TM":
            y[2] = self.T0
        if self.ns_m:
            y[self.i_m] = self.m_eq0[:, None]
        if self.nsub:
            y[self.i_sub] = self.T0
        return y

    def film_energy(self, y) -> np.ndarray:
        """Energy in the film baths relative to ``T0`` [J/m^3 of film]."""
        e = 0.5 * self.gamma * (y[0] ** 2 - self.T0**2) + self.Cp * (y[1] - self.T0)
        if self.model == "3TM":
            e = e + self.Cs * (y[2] - self.T0)
        return e

    def outflow_energy(self, y) -> np.ndarray:
        """Energy that left the film (stored in the substrate plus through the sink) [J/m^3 film]."""
        e = y[self.i_eout].copy()
        if self.nsub:
            e = e + self.Csub * self.dz / self.d * np.sum(y[self.i_sub] - self.T0, axis=0)
        return e

    def stiffness(self, y) -> float:
        """Upper bound of the fastest relaxation rate over all pixels [1/s] (RK4 stability)."""
        Te = np.maximum(y[0], 1e-3)
        Tp = np.abs(y[1])
        lam = self.g / (self.gamma * Te) + self.g / self.Cp
        if self.model == "3TM":
            lam = lam + self.g_es / (self.gamma * Te) + (self.g_es + self.g_sp) / self.Cs
            lam = lam + self.g_sp / self.Cp
        if self.ns_m:
            m = y[self.i_m]
            h = self.Jx @ m
            for i in range(self.ns_m):
                tci = self.TCi[i]
                lam = lam + self.R[i] * Tp / tci * (
                    2.0 * self.Jx[i, i] / tci + Te / tci + np.abs(h[i]) / tci
                )
            if self.ns_m == 2:
                for i in range(2):
                    mi = np.clip(np.abs(m[i]), 0.0, 1.0 - 1e-9)
                    lam = lam + self.lam * self.wfac[i] / self.TC * (
                        self.Jx[i, i] + self.Jx[1 - i, i] + Te / (1.0 - mi**2)
                    )
        return float(np.max(lam)) + self.lam_static

    def rhs(self, y, power) -> np.ndarray:
        """Time derivative of the state.

        Parameters
        ----------
        y
            State ``(n_var, n)``.
        power
            Absorbed power density per pixel at this time [W/m^3], shape ``(n,)`` or scalar.

        Returns
        -------
        numpy.ndarray
            ``dy/dt`` of shape ``(n_var, n)``.
        """
        Te, Tp = y[0], y[1]
        dy = np.empty_like(y)
        q_ep = self.g * (Te - Tp)
        dTe = power - q_ep
        dTp = q_ep
        if self.model == "3TM":
            Ts = y[2]
            q_es = self.g_es * (Te - Ts)
            q_sp = self.g_sp * (Tp - Ts)
            dTe = dTe - q_es
            dTp = dTp - q_sp
            dy[2] = (q_es + q_sp) / self.Cs
        # heat out of the film [W/m^3 of film]
        if self.sink == "cooling_time":
            q_out = self.Cp * (Tp - self.T0) / self.tau_cool
            dTp = dTp - q_out
            dy[self.i_eout] = q_out
        elif self.sink == "substrate":
            Ts_ = y[self.i_sub]
            flux = np.empty((self.nsub + 1,) + Te.shape)  # W/m^2, downwards, at cell faces
            flux[0] = self.G_if * (Tp - Ts_[0])
            flux[1:-1] = self.kap / self.dz * (Ts_[:-1] - Ts_[1:])
            if self.bottom == "sink":
                flux[-1] = 2.0 * self.kap / self.dz * (Ts_[-1] - self.T0)
            else:
                flux[-1] = 0.0
            dy[self.i_sub] = (flux[:-1] - flux[1:]) / (self.Csub * self.dz)
            dTp = dTp - flux[0] / self.d
            dy[self.i_eout] = flux[-1] / self.d
        else:
            dy[self.i_eout] = 0.0
        dy[0] = dTe / (self.gamma * Te)
        dy[1] = dTp / self.Cp
        dy[self.i_eabs] = power
        if self.ns_m == 1:
            # Koopmans: R m (Tp/Tc) [1 - m coth(m Tc/Te)] = (R/Tc) Tp [h/Tc - m (Te/Tc) y coth y]
            m = y[self.i_m.start]
            tc = self.TCi[0]
            xc = _xcothx(m * tc / Te)
            xc *= Te
            xc *= m
            xc *= -1.0 / tc
            xc += m
            xc *= Tp
            xc *= self.R[0] / tc
            dy[self.i_m.start] = xc
        elif self.ns_m == 2:
            m = y[self.i_m]
            h = self.Jx @ m
            for i in range(2):
                tci = self.TCi[i]
                dm = self.R[i] * (Tp / tci) * (
                    h[i] / tci - m[i] * (Te / tci) * _xcothx(h[i] / Te)
                )
                dy[self.i_m.start + i] = dm
            mc = np.clip(m, -1.0 + 1e-12, 1.0 - 1e-12)
            H = h - Te * np.arctanh(mc)
            drive = self.lam * (H[0] + H[1]) / self.TC
            dy[self.i_m.start] += self.wfac[0] * drive
            dy[self.i_m.start + 1] += self.wfac[1] * drive
        return dy
