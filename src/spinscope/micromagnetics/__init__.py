"""Finite-difference micromagnetics: the Landau-Lifshitz-Gilbert core of spinscope.

A lean numpy / scipy.fft engine: exchange, demagnetisation (Newell tensor, zero-padded FFT, thin
film and 3-D), uniaxial anisotropy, interfacial DMI, Zeeman fields (static, pulse, rf, rotating),
Slonczewski and Zhang-Li spin-transfer torques, Oersted field of a nanocontact/pillar, thermal
field; adaptive Dormand-Prince integration with error control; relaxation; geometry masks; output
as the magnetisation-movie contract of :mod:`spinscope.datamodel`.

A :class:`Simulation` is composed, as in magnum.np, of a :class:`Material` and a list of field
terms (:mod:`spinscope.micromagnetics.terms`) and torques. Scenarios (TOML, :mod:`.scenario`) run on
an :class:`~spinscope.micromagnetics.engine.Engine`: the built-in one or magnum.np
(:mod:`.magnumnp_engine`, in a child process).

Example
-------
>>> from spinscope.micromagnetics import Demag, Exchange, Material, Mesh, Simulation
>>> mesh = Mesh.from_size((500e-9, 125e-9, 3e-9), (100, 25, 1))
>>> sim = Simulation(mesh, Material(Ms=8e5, alpha=0.02), [Exchange(1.3e-11), Demag()],
...                  m0=(1, 0.25, 0.1))
>>> sim.relax()                                     # doctest: +SKIP
>>> sim.set_fields([(-24.6e-3, 4.3e-3, 0.0)])       # tesla
>>> movie = sim.run(1e-9, n_frames=201)             # doctest: +SKIP
"""

from spinscope.constants import GAMMA_LLG as GAMMA
from spinscope.constants import MU0
from spinscope.micromagnetics.demag import DemagField, demag_tensor
from spinscope.micromagnetics.drives import (
    CustomField,
    OerstedField,
    PulseField,
    RFField,
    RotatingField,
    SlonczewskiTorque,
    StaticField,
    ThermalField,
    ZhangLiTorque,
    envelope,
    oersted_cylinder,
)
from spinscope.micromagnetics.errors import (
    CoarseMeshWarning,
    GeometryError,
    MicromagneticsError,
    ParameterError,
    StepSizeError,
)
from spinscope.micromagnetics.mesh import (
    Mesh,
    disk,
    ellipse,
    from_array,
    nanocontact_region,
    rectangle,
    ring,
)
from spinscope.micromagnetics.simulation import (
    Simulation,
    exchange_length,
    magnetisation_movie,
)
from spinscope.micromagnetics.standard_problems import (
    first_zero_crossing,
    kittel_frequency,
    standard_problem_4,
    standard_problem_5,
)
from spinscope.micromagnetics.states import random_state, uniform, vortex
from spinscope.micromagnetics.terms import (
    Demag,
    Exchange,
    InterfacialDMI,
    Material,
    UniaxialAnisotropy,
)

__all__ = [
    "GAMMA",
    "MU0",
    "CoarseMeshWarning",
    "CustomField",
    "Demag",
    "DemagField",
    "Exchange",
    "GeometryError",
    "InterfacialDMI",
    "Material",
    "Mesh",
    "MicromagneticsError",
    "OerstedField",
    "ParameterError",
    "PulseField",
    "RFField",
    "RotatingField",
    "Simulation",
    "SlonczewskiTorque",
    "StaticField",
    "StepSizeError",
    "ThermalField",
    "UniaxialAnisotropy",
    "ZhangLiTorque",
    "demag_tensor",
    "disk",
    "ellipse",
    "envelope",
    "exchange_length",
    "first_zero_crossing",
    "from_array",
    "kittel_frequency",
    "magnetisation_movie",
    "nanocontact_region",
    "oersted_cylinder",
    "random_state",
    "rectangle",
    "ring",
    "standard_problem_4",
    "standard_problem_5",
    "uniform",
    "vortex",
]
