//! A live Verilated model loaded from a cached build, and its ports.
//!
//! # Safety contract
//! A [`Port`] is a raw pointer into the model's own port storage plus its
//! width: reading or writing it is a plain load/store, never a foreign call.
//! That speed has two rules the type system does not check:
//! 1. **The [`Model`] must outlive its ports.** Using a `Port` after its
//!    `Model` is dropped is undefined behaviour. Builds with debug assertions
//!    catch it: each port carries a liveness flag and panics instead.
//! 2. **One thread at a time.** `Model` and `Port` are `Send` (move a whole
//!    test bench to a worker thread) but not `Sync`; use a model's ports only
//!    on the thread that currently runs that model's `eval`.
//!
//! Keep ports in the same struct as (or below) the `Model` they came from.
//!
//! Libraries are loaded once per path and never unloaded: the Verilator
//! runtime registers thread-local destructors, and a regression re-creating a
//! model per test should not pay for dlopen each time. Each instance gets its
//! own `VerilatedContext`, so models of the same or different builds can run
//! in parallel threads.
//!
//! Instances of coverage builds are not deleted when their `Model` drops: the next load of the
//! same library makes one as new again (`sim_renew`), because constructing one registers every
//! coverage point by name, which costs more than a short run. [`Model::load_new`] always
//! constructs.

use std::collections::HashMap;
use std::ffi::{c_char, c_void, CStr, CString};
use std::path::{Path, PathBuf};
use std::ptr::NonNull;
use std::sync::{Mutex, OnceLock};

use crate::ports::{PortDir, PortInfo, Storage};
use crate::shim::SHIM_VERSION;
use crate::{Built, SimError, Variant};

type NewFn = unsafe extern "C" fn(i32, i32) -> *mut c_void;
type InstFn = unsafe extern "C" fn(*mut c_void);
type StatusFn = unsafe extern "C" fn(*mut c_void) -> u32;
type TimeFn = unsafe extern "C" fn(*mut c_void, u64);
type PtrsFn = unsafe extern "C" fn(*mut c_void, *mut *mut c_void);
type PathFn = unsafe extern "C" fn(*mut c_void, *const c_char) -> i32;
type CountersFn = unsafe extern "C" fn(*mut c_void, *mut *mut u32) -> u32;
type RenewFn = unsafe extern "C" fn(*mut c_void, i32, i32) -> i32;

/// The shim's entry points, resolved once per library.
struct Api {
    new: NewFn,
    eval: InstFn,
    delete: InstFn,
    status: StatusFn,
    set_time: TimeFn,
    port_ptrs: PtrsFn,
    waves: Option<(PathFn, TimeFn, InstFn)>,
    /// Write the coverage file; the model's coverage counters.
    coverage: Option<(PathFn, CountersFn)>,
    /// Make an instance as new again (coverage builds).
    renew: Option<RenewFn>,
}

/// Instances of coverage builds whose models were dropped, per library, to be made as new
/// again by the next load instead of constructed (see `sim_renew` in the shim).
struct Spare(NonNull<c_void>);
// SAFETY: an idle instance with its own context, owned by the list it sits in.
unsafe impl Send for Spare {}
/// At most this many idle instances per library (one per worker thread is what is used).
const MAX_SPARES: usize = 64;

fn spares() -> std::sync::MutexGuard<'static, HashMap<usize, Vec<Spare>>> {
    static SPARES: OnceLock<Mutex<HashMap<usize, Vec<Spare>>>> = OnceLock::new();
    SPARES.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner())
}

/// The key of a library in the spare lists: its (leaked, unique) entry points.
fn api_key(api: &'static Api) -> usize {
    api as *const Api as usize
}

/// Loaded libraries, by canonical path; leaked on purpose (see module docs).
fn api_for(built: &Built) -> Result<&'static Api, SimError> {
    static LIBS: OnceLock<Mutex<HashMap<PathBuf, &'static Api>>> = OnceLock::new();
    let path = built.lib.canonicalize().map_err(|e| load_err(&built.lib, e.to_string()))?;
    let mut libs = LIBS.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    if let Some(api) = libs.get(&path) {
        return Ok(api);
    }
    // SAFETY: a library this crate generated; its initialisers only set up the
    // Verilator runtime. RTLD_LOCAL (libloading's default) keeps its symbols
    // out of the global namespace.
    let lib: &'static libloading::Library =
        Box::leak(Box::new(unsafe { libloading::Library::new(&path) }.map_err(|e| load_err(&path, e.to_string()))?));
    let api = Box::leak(Box::new(resolve(lib, &path, built)?));
    libs.insert(path, api);
    Ok(api)
}

fn load_err(path: &Path, what: String) -> SimError {
    SimError::Load { path: path.to_path_buf(), what }
}

fn resolve(lib: &'static libloading::Library, path: &Path, built: &Built) -> Result<Api, SimError> {
    // SAFETY: the symbol types match the generated shim (same SHIM_VERSION,
    // checked first).
    unsafe {
        fn sym<T: Copy>(lib: &'static libloading::Library, path: &Path, name: &str) -> Result<T, SimError> {
            unsafe { lib.get::<T>(name.as_bytes()) }
                .map(|s| *s)
                .map_err(|_| load_err(path, format!("symbol `{name}` missing (not a sim-crate model library?)")))
        }
        let abi: unsafe extern "C" fn() -> u32 = sym(lib, path, "sim_abi_version")?;
        if abi() != SHIM_VERSION {
            return Err(load_err(path, format!("shim ABI {} != expected {SHIM_VERSION}", abi())));
        }
        // The library must export exactly the ports of the manifest, in order.
        let count: unsafe extern "C" fn() -> u32 = sym(lib, path, "sim_port_count")?;
        let name: unsafe extern "C" fn(u32) -> *const c_char = sym(lib, path, "sim_port_name")?;
        let n = count();
        let same = n as usize == built.ports.len()
            && built.ports.iter().enumerate().all(|(i, p)| {
                let c = name(i as u32);
                !c.is_null() && CStr::from_ptr(c).to_bytes() == p.name.as_bytes()
            });
        if !same {
            return Err(load_err(path, "library ports differ from ports.json (stale cache entry?)".into()));
        }
        Ok(Api {
            new: sym(lib, path, "sim_new")?,
            eval: sym(lib, path, "sim_eval")?,
            delete: sym(lib, path, "sim_delete")?,
            status: sym(lib, path, "sim_status")?,
            set_time: sym(lib, path, "sim_set_time")?,
            port_ptrs: sym(lib, path, "sim_port_ptrs")?,
            waves: match built.variant {
                Variant::Waves => {
                    Some((sym(lib, path, "sim_waves_open")?, sym(lib, path, "sim_waves_dump")?, sym(lib, path, "sim_waves_close")?))
                }
                _ => None,
            },
            coverage: match built.variant {
                v if v.has_coverage() => Some((sym(lib, path, "sim_coverage_write")?, sym(lib, path, "sim_coverage_counters")?)),
                _ => None,
            },
            renew: match built.variant {
                v if v.has_coverage() => Some(sym(lib, path, "sim_renew")?),
                _ => None,
            },
        })
    }
}

/// `$finish` / `$stop` / `$fatal` state of a model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Status {
    /// `$finish` (or `$stop`/`$fatal`) was executed.
    pub finished: bool,
    /// `$stop`/`$fatal` or an assertion failure was executed.
    pub error: bool,
}

/// The initial value of every variable the RTL's reset does not assign (and of every explicit
/// X), chosen when a model is constructed: Verilator's context `randReset`/`randSeed`.
/// Registers a reset forgets show up as soon as they are not all zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum ResetValues {
    /// All zero (Verilator's default, and what builds with `x-initial fast` always gave).
    #[default]
    Zero,
    /// All ones: deterministic, and the opposite of what a forgotten reset used to see.
    Ones,
    /// Random bits drawn from this seed (1..=`i32::MAX`; each variable's value depends only on
    /// the seed and its name, so a seed replays bit-exactly).
    Random(u32),
}

impl ResetValues {
    /// Largest seed Verilator takes (its seed is a C `int`; 0 would mean "pick one at random").
    pub const MAX_SEED: u32 = i32::MAX as u32;

    /// (randReset, randSeed) for the context.
    fn verilator_args(self) -> Result<(i32, i32), SimError> {
        match self {
            ResetValues::Zero => Ok((0, 1)),
            ResetValues::Ones => Ok((1, 1)),
            ResetValues::Random(s) if (1..=Self::MAX_SEED).contains(&s) => Ok((2, s as i32)),
            ResetValues::Random(seed) => Err(SimError::ResetSeed { seed }),
        }
    }
}

/// One live instance of a built model.
pub struct Model {
    inst: NonNull<c_void>,
    /// Cached so `eval` is one indirect call, no lookup.
    eval_fn: InstFn,
    api: &'static Api,
    ports: Vec<PortInfo>,
    ptrs: Vec<*mut u8>,
    top: String,
    variant: Variant,
    /// Returned on drop to the spare instances of its library.
    recycle: bool,
    /// This instance was a spare, made as new again.
    renewed: bool,
    #[cfg(debug_assertions)]
    alive: &'static std::sync::atomic::AtomicBool,
}

// SAFETY: the instance (and its private VerilatedContext) is touched only via
// &mut self or through ports, whose one-thread-at-a-time rule is documented above.
unsafe impl Send for Model {}

impl Model {
    /// Load `b`'s library (once per process) and create a fresh instance whose unreset
    /// variables start at zero.
    pub fn load(b: &Built) -> Result<Model, SimError> {
        Model::load_with(b, ResetValues::Zero)
    }

    /// [`Model::load`] with the initial values of unreset variables chosen by `reset`.
    ///
    /// A coverage build reuses the instance of a dropped model of the same library when there
    /// is one, made as new again: the same initial values, no counts, time 0. Constructing it
    /// anew would register every coverage point again, which costs more than a short run.
    pub fn load_with(b: &Built, reset: ResetValues) -> Result<Model, SimError> {
        Model::instance(b, reset, true)
    }

    /// [`Model::load_with`], always constructing a new instance (and deleting it on drop).
    pub fn load_new(b: &Built, reset: ResetValues) -> Result<Model, SimError> {
        Model::instance(b, reset, false)
    }

    fn instance(b: &Built, reset: ResetValues, recycle: bool) -> Result<Model, SimError> {
        let api = api_for(b)?;
        let (mode, seed) = reset.verilator_args()?;
        let recycle = recycle && api.renew.is_some();
        let spare = if recycle { spares().get_mut(&api_key(api)).and_then(Vec::pop) } else { None };
        let renewed = spare.is_some();
        let inst = match (spare, api.renew) {
            // SAFETY: an idle instance of this library; shim entry point.
            (Some(Spare(inst)), Some(renew)) => match unsafe { renew(inst.as_ptr(), mode, seed) } {
                0 => inst,
                _ => return Err(SimError::Instance { top: b.top.clone() }),
            },
            // SAFETY: shim entry points with the signatures generated for them.
            _ => NonNull::new(unsafe { (api.new)(mode, seed) }).ok_or_else(|| SimError::Instance { top: b.top.clone() })?,
        };
        let mut ptrs = vec![std::ptr::null_mut::<c_void>(); b.ports.len()];
        // SAFETY: `ptrs` has exactly sim_port_count() slots (checked in resolve).
        unsafe { (api.port_ptrs)(inst.as_ptr(), ptrs.as_mut_ptr()) };
        Ok(Model {
            inst,
            eval_fn: api.eval,
            api,
            ports: b.ports.clone(),
            ptrs: ptrs.into_iter().map(|p| p.cast::<u8>()).collect(),
            top: b.top.clone(),
            variant: b.variant,
            recycle,
            renewed,
            #[cfg(debug_assertions)]
            alive: Box::leak(Box::new(std::sync::atomic::AtomicBool::new(true))),
        })
    }

    /// The port called `name` (SystemVerilog name). Look ports up once, at
    /// set-up; the returned handle is a plain pointer (see [`Port`] for the
    /// safety contract: this Model must outlive it).
    pub fn port(&self, name: &str) -> Result<Port, SimError> {
        let Some(i) = self.ports.iter().position(|p| p.name == name) else {
            let known = self.ports.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ");
            return Err(SimError::NoSuchPort { name: name.to_string(), top: self.top.clone(), known });
        };
        let p = &self.ports[i];
        Ok(Port {
            ptr: self.ptrs[i],
            mask: if p.width >= 64 { u64::MAX } else { (1u64 << p.width) - 1 },
            top_mask: if p.width.is_multiple_of(32) { u32::MAX } else { (1u32 << (p.width % 32)) - 1 },
            width: p.width,
            words: p.width.div_ceil(32),
            storage: p.storage,
            dir: p.dir,
            #[cfg(debug_assertions)]
            alive: self.alive,
        })
    }

    /// All ports, as discovered from Verilator's output.
    pub fn ports(&self) -> &[PortInfo] {
        &self.ports
    }

    pub fn top(&self) -> &str {
        &self.top
    }

    pub fn variant(&self) -> Variant {
        self.variant
    }

    /// Whether this instance is a dropped model's, made as new again (see [`Model::load_with`]).
    pub fn renewed(&self) -> bool {
        self.renewed
    }

    /// Evaluate the model (settle after input changes / a clock edge).
    #[inline]
    pub fn eval(&mut self) {
        // SAFETY: live instance; cached shim entry point.
        unsafe { (self.eval_fn)(self.inst.as_ptr()) }
    }

    /// `$finish`/`$stop`/`$fatal` state. A foreign call: poll it at the end or
    /// every N cycles, not necessarily every cycle.
    pub fn status(&self) -> Status {
        // SAFETY: live instance.
        let s = unsafe { (self.api.status)(self.inst.as_ptr()) };
        Status { finished: s & 1 != 0, error: s & 2 != 0 }
    }

    /// Set the model's simulation time (`$time` in the RTL).
    pub fn set_time(&mut self, time: u64) {
        // SAFETY: live instance.
        unsafe { (self.api.set_time)(self.inst.as_ptr(), time) }
    }

    /// Start dumping FST waves to `path` (Waves builds only).
    pub fn open_waves(&mut self, path: &Path) -> Result<(), SimError> {
        let (open, _, _) = self.waves_api("open_waves")?;
        let out = || SimError::Output { what: "waves", path: path.to_path_buf() };
        let c = CString::new(path.as_os_str().as_encoded_bytes()).map_err(|_| out())?;
        // SAFETY: live instance, NUL-terminated path.
        match unsafe { open(self.inst.as_ptr(), c.as_ptr()) } {
            0 => Ok(()),
            _ => Err(out()),
        }
    }

    /// Record all signals at `time` (no-op when waves are not open).
    pub fn dump_waves(&mut self, time: u64) {
        if let Some((_, dump, _)) = self.api.waves {
            // SAFETY: live instance.
            unsafe { dump(self.inst.as_ptr(), time) }
        }
    }

    /// Flush and close the waves file (no-op when not open).
    pub fn close_waves(&mut self) {
        if let Some((_, _, close)) = self.api.waves {
            // SAFETY: live instance.
            unsafe { close(self.inst.as_ptr()) }
        }
    }

    fn waves_api(&self, what: &'static str) -> Result<(PathFn, TimeFn, InstFn), SimError> {
        self.api.waves.ok_or(SimError::WrongVariant { what, needed: Variant::Waves, actual: self.variant })
    }

    /// Write Verilator code coverage (VerilatedCov format, for
    /// `verilator_coverage`) to `path` (Coverage builds only).
    pub fn write_coverage(&mut self, path: &Path) -> Result<(), SimError> {
        let (write, _) = self.coverage_api("write_coverage")?;
        let out = || SimError::Output { what: "coverage", path: path.to_path_buf() };
        let c = CString::new(path.as_os_str().as_encoded_bytes()).map_err(|_| out())?;
        // SAFETY: live instance, NUL-terminated path.
        let rc = unsafe { write(self.inst.as_ptr(), c.as_ptr()) };
        if rc == 0 && path.is_file() {
            Ok(())
        } else {
            Err(out())
        }
    }

    /// The model's Verilator coverage counters (Coverage builds only), in the build's own
    /// order: the same build always has the same number, each standing for the same points.
    pub fn coverage_counters(&self) -> Result<&[u32], SimError> {
        let (ptr, n) = self.counters("coverage_counters")?;
        // SAFETY: `n` counters of the live instance, read through &self.
        Ok(if n == 0 { &[] } else { unsafe { std::slice::from_raw_parts(ptr, n) } })
    }

    /// [`Model::coverage_counters`], writable: a fresh instance whose counters are set and then
    /// written ([`Model::write_coverage`]) gives the data of those counts.
    pub fn coverage_counters_mut(&mut self) -> Result<&mut [u32], SimError> {
        let (ptr, n) = self.counters("coverage_counters_mut")?;
        // SAFETY: as above, exclusive through &mut self.
        Ok(if n == 0 { &mut [] } else { unsafe { std::slice::from_raw_parts_mut(ptr, n) } })
    }

    fn counters(&self, what: &'static str) -> Result<(*mut u32, usize), SimError> {
        let (_, counters) = self.coverage_api(what)?;
        let mut ptr = std::ptr::null_mut();
        // SAFETY: live instance; the shim stores the address of the counter array.
        let n = unsafe { counters(self.inst.as_ptr(), &mut ptr) } as usize;
        Ok((ptr, if ptr.is_null() { 0 } else { n }))
    }

    fn coverage_api(&self, what: &'static str) -> Result<(PathFn, CountersFn), SimError> {
        self.api.coverage.ok_or(SimError::WrongVariant { what, needed: Variant::Coverage, actual: self.variant })
    }
}

impl Drop for Model {
    fn drop(&mut self) {
        #[cfg(debug_assertions)]
        self.alive.store(false, std::sync::atomic::Ordering::Relaxed);
        if self.recycle {
            let mut spares = spares();
            let list = spares.entry(api_key(self.api)).or_default();
            if list.len() < MAX_SPARES {
                list.push(Spare(self.inst));
                return;
            }
        }
        // SAFETY: runs final blocks, closes waves, frees instance and context.
        unsafe { (self.api.delete)(self.inst.as_ptr()) }
    }
}

/// A handle on one port's storage inside a live [`Model`]: a raw pointer and
/// the width. `get`/`set` are plain loads/stores, never a foreign call.
///
/// # Safety contract
/// 1. **The [`Model`] must outlive its ports.** Using a `Port` after its
///    `Model` is dropped is undefined behaviour; builds with debug assertions
///    panic instead ("used after its Model was dropped").
/// 2. **One thread at a time.** `Model` and `Port` are `Send` (a whole bench
///    can move to a worker thread) but not `Sync`: use a model's ports only on
///    the thread that currently runs that model's `eval`.
///
/// Values are right-aligned (bit 0 = the declared lsb). Writes are masked to
/// the port width, as Verilator requires clean upper bits.
#[derive(Clone, Copy, Debug)]
pub struct Port {
    ptr: *mut u8,
    mask: u64,
    top_mask: u32,
    width: u32,
    words: u32,
    storage: Storage,
    dir: PortDir,
    #[cfg(debug_assertions)]
    alive: &'static std::sync::atomic::AtomicBool,
}

// SAFETY: see the contract on `Port` (rule 2).
unsafe impl Send for Port {}

impl Port {
    #[inline(always)]
    fn check(&self) {
        #[cfg(debug_assertions)]
        assert!(self.alive.load(std::sync::atomic::Ordering::Relaxed), "sim::Port used after its Model was dropped");
    }

    /// Bit width of the port.
    #[inline]
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Number of u32 words of the port (for `get_words`/`set_words`).
    #[inline]
    pub fn words(&self) -> u32 {
        self.words
    }

    #[inline]
    pub fn dir(&self) -> PortDir {
        self.dir
    }

    /// The value (for ports wider than 64 bits: the low 64 bits).
    #[inline]
    pub fn get(&self) -> u64 {
        self.check();
        // SAFETY: `ptr` points at live storage of this storage class (contract).
        unsafe {
            match self.storage {
                Storage::U8 => self.ptr.read() as u64,
                Storage::U16 => self.ptr.cast::<u16>().read() as u64,
                Storage::U32 => self.ptr.cast::<u32>().read() as u64,
                Storage::U64 => self.ptr.cast::<u64>().read(),
                Storage::Wide => {
                    let w = self.ptr.cast::<u32>();
                    w.read() as u64 | (w.add(1).read() as u64) << 32
                }
            }
        }
    }

    /// Set the value, masked to the width (wider ports: low 64 bits set, rest 0).
    #[inline]
    pub fn set(&self, v: u64) {
        self.check();
        let v = v & self.mask;
        // SAFETY: as in `get`.
        unsafe {
            match self.storage {
                Storage::U8 => self.ptr.write(v as u8),
                Storage::U16 => self.ptr.cast::<u16>().write(v as u16),
                Storage::U32 => self.ptr.cast::<u32>().write(v as u32),
                Storage::U64 => self.ptr.cast::<u64>().write(v),
                Storage::Wide => {
                    let w = self.ptr.cast::<u32>();
                    w.write(v as u32);
                    w.add(1).write((v >> 32) as u32);
                    for i in 2..self.words as usize {
                        w.add(i).write(0);
                    }
                }
            }
        }
    }

    /// The value as little-endian u32 words (word 0 = bits 31..0). Fills
    /// `self.words()` words and zeroes the rest of `out`.
    /// Panics if `out` is shorter than `self.words()`.
    #[inline]
    pub fn get_words(&self, out: &mut [u32]) {
        let n = self.words as usize;
        assert!(out.len() >= n, "get_words: need {n} words for a {}-bit port", self.width);
        match self.storage {
            Storage::Wide => {
                self.check();
                // SAFETY: `n` words of live VlWide storage.
                unsafe { std::ptr::copy_nonoverlapping(self.ptr.cast::<u32>(), out.as_mut_ptr(), n) }
            }
            _ => {
                let v = self.get();
                out[0] = v as u32;
                if n > 1 {
                    out[1] = (v >> 32) as u32;
                }
            }
        }
        out[n..].fill(0);
    }

    /// Set from little-endian u32 words; missing words are 0, extra words and
    /// bits above the width are ignored.
    #[inline]
    pub fn set_words(&self, v: &[u32]) {
        let n = self.words as usize;
        let word = |i: usize| v.get(i).copied().unwrap_or(0);
        match self.storage {
            Storage::Wide => {
                self.check();
                // SAFETY: `n` words of live VlWide storage.
                unsafe {
                    let w = self.ptr.cast::<u32>();
                    for i in 0..n - 1 {
                        w.add(i).write(word(i));
                    }
                    w.add(n - 1).write(word(n - 1) & self.top_mask);
                }
            }
            _ => self.set(word(0) as u64 | (word(1) as u64) << 32),
        }
    }
}
