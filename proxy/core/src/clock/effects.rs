//! What the engine returns: events to publish, metric updates, and the
//! node sync-state to persist. The daemon carries them out.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::events::{EventData, Resource};
use crate::linuxptp::{Kind, SyncState};

/// The two clock readings the caller takes when an input is dequeued
/// (clock-states.md §1): monotonic time for durations and deadlines, UTC
/// wall-clock time only for the `time` of events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Now {
    /// Monotonic time since an arbitrary origin.
    pub mono: Duration,
    /// Wall-clock time.
    pub wall: SystemTime,
}

impl Now {
    /// A reading at `mono` with the wall clock at the Unix epoch + `mono`
    /// (for tests and virtual time).
    pub fn virtual_at(mono: Duration) -> Now {
        Now {
            mono,
            wall: SystemTime::UNIX_EPOCH + mono,
        }
    }
}

/// A metric label value, cheap to clone: the fixed values (`ptp4l`,
/// `master`, ...) are static strings and clone without touching a
/// reference count; values from configuration share one allocation.
/// Equality, order and hashing are those of the text.
#[derive(Clone)]
pub enum Label {
    Static(&'static str),
    Shared(Arc<str>),
}

impl Label {
    /// The text.
    pub fn as_str(&self) -> &str {
        match self {
            Label::Static(s) => s,
            Label::Shared(s) => s,
        }
    }
    /// The address of the text: equal addresses mean equal text (a cache
    /// key that needs no hashing of the text).
    pub fn addr(&self) -> usize {
        self.as_str().as_ptr() as usize
    }
}

impl std::ops::Deref for Label {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Label {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for Label {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Label {
    fn eq(&self, other: &Label) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Label {}

impl PartialOrd for Label {
    fn partial_cmp(&self, other: &Label) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Label {
    fn cmp(&self, other: &Label) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl std::hash::Hash for Label {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl std::fmt::Debug for Label {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for Label {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for Label {
    fn from(s: &str) -> Label {
        Label::Shared(Arc::from(s))
    }
}

impl From<String> for Label {
    fn from(s: String) -> Label {
        Label::Shared(Arc::from(s))
    }
}

/// The `openshift_ptp_*` families the engine feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    OffsetNs,
    MaxOffsetNs,
    FrequencyAdjustmentNs,
    DelayNs,
    ClockState,
    NmeaStatus,
    Threshold,
    InterfaceRole,
    ClockClass,
    ProcessStatus,
    ProcessRestartCount,
    HaProfileStatus,
    SynceClockQuality,
    SynceSsmQl,
    GnssStatus,
    FrequencyStatus,
    PhaseStatus,
    PpsStatus,
}

/// Label values of a series; which ones a family uses is fixed by the
/// metrics module (`node` is added there).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Labels {
    pub from: Option<Label>,
    pub process: Option<Label>,
    pub iface: Option<Label>,
    pub config: Option<Label>,
    pub profile: Option<Label>,
    pub threshold: Option<Label>,
    pub network_option: Option<Label>,
    pub device: Option<Label>,
    pub ql_type: Option<Label>,
}

/// One time series. The label set is shared: the engine builds the set of
/// a line's series once and reuses it line after line, so a metric update
/// copies a pointer, not nine labels, and the metrics writer can key its
/// cache by the set's address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Series {
    pub family: Family,
    pub labels: Arc<Labels>,
}

/// A metric update.
#[derive(Debug, Clone, PartialEq)]
pub enum MetricOp {
    /// Set a gauge.
    Set(Series, f64),
    /// Raise a gauge to the value if it is larger (max absolute offset).
    Max(Series, f64),
    /// Increment a counter.
    Inc(Series),
    /// Make sure a counter exists (at 0).
    Touch(Series),
    /// Remove every `openshift_ptp_*` series (`CMD RESTART`).
    ClearPtp,
}

/// One effect of an input.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Publish an event, stamped with the wall-clock time of the input.
    Publish(EventData, SystemTime),
    /// Update a metric.
    Metric(MetricOp),
    /// Persist the new node sync-state.
    PersistSyncState(SyncState),
    /// A line named a configuration file the engine does not know: the
    /// driver may load it (at most once per file per second) and hand it over
    /// with `Engine::on_config_file`.
    WantConfig(String),
    /// Log lines and daemon JSON messages both report this resource, a
    /// configuration error (next-generation.md §1): the JSON states win.
    /// Returned once per resource; the driver logs it as a warning.
    ProtocolConflict(Resource),
}

/// How a line was classified (`cne_socket_lines_total{kind,result}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineResult {
    Parsed,
    Ignored,
    Rejected,
}

impl LineResult {
    /// The metric label value.
    pub fn label(self) -> &'static str {
        match self {
            LineResult::Parsed => "parsed",
            LineResult::Ignored => "ignored",
            LineResult::Rejected => "rejected",
        }
    }
}

/// The ordered effects of one input, and the line's classification.
#[derive(Debug, Clone, PartialEq)]
#[must_use = "effects are what the engine asks the driver to do"]
pub struct Effects {
    pub items: Vec<Effect>,
    pub kind: Kind,
    pub result: LineResult,
}

impl Effects {
    pub(crate) fn new(kind: Kind) -> Effects {
        Effects {
            items: Vec::new(),
            kind,
            result: LineResult::Parsed,
        }
    }
    /// The published events, in order.
    pub fn events(&self) -> impl Iterator<Item = &EventData> {
        self.items.iter().filter_map(|e| match e {
            Effect::Publish(d, _) => Some(d),
            _ => None,
        })
    }
    /// The metric updates, in order.
    pub fn metrics(&self) -> impl Iterator<Item = &MetricOp> {
        self.items.iter().filter_map(|e| match e {
            Effect::Metric(m) => Some(m),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Label;
    use std::collections::HashMap;

    #[test]
    fn static_and_shared_labels_with_the_same_text_are_one_key() {
        let fixed = Label::Static("ptp4l");
        let shared = Label::from("ptp4l");
        assert_eq!(fixed, shared);
        assert_ne!(fixed.addr(), shared.addr());
        let mut m = HashMap::new();
        m.insert(fixed.clone(), 1);
        assert_eq!(m.get(&shared), Some(&1));
        assert_eq!(m.get("ptp4l"), Some(&1));
        assert_eq!(format!("{shared} {fixed:?}"), "ptp4l \"ptp4l\"");
        // A clone shares the text: same address.
        assert_eq!(shared.clone().addr(), shared.addr());
    }
}
