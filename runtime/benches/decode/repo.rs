//! Written by a script from GitHub's `full-repository` schema (../shared/specs/github.json,
//! top-level fields; nested objects as JSON values) in the four shapes `sturdy generate`
//! emits or emitted for it. Fields are formatted one per line to keep this file short.
#![allow(dead_code)]

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sturdy_runtime::types::object::{Decoder, Key, Object};
use sturdy_runtime::types::Schema;
use sturdy_runtime::types::{DateTime, Extra};

/// Before: declared fields only, plain serde.

#[derive(Debug, Serialize, Deserialize)]
pub struct Plain {
    pub id: i64,
    pub node_id: String,
    pub name: String,
    pub full_name: String,
    pub owner: Value,
    pub private: bool,
    pub html_url: String,
    #[serde(default)] pub description: Option<String>,
    pub fork: bool,
    pub url: String,
    pub archive_url: String,
    pub assignees_url: String,
    pub blobs_url: String,
    pub branches_url: String,
    pub collaborators_url: String,
    pub comments_url: String,
    pub commits_url: String,
    pub compare_url: String,
    pub contents_url: String,
    pub contributors_url: String,
    pub deployments_url: String,
    pub downloads_url: String,
    pub events_url: String,
    pub forks_url: String,
    pub git_commits_url: String,
    pub git_refs_url: String,
    pub git_tags_url: String,
    pub git_url: String,
    pub issue_comment_url: String,
    pub issue_events_url: String,
    pub issues_url: String,
    pub keys_url: String,
    pub labels_url: String,
    pub languages_url: String,
    pub merges_url: String,
    pub milestones_url: String,
    pub notifications_url: String,
    pub pulls_url: String,
    pub releases_url: String,
    pub ssh_url: String,
    pub stargazers_url: String,
    pub statuses_url: String,
    pub subscribers_url: String,
    pub subscription_url: String,
    pub tags_url: String,
    pub teams_url: String,
    pub trees_url: String,
    pub clone_url: String,
    #[serde(default)] pub mirror_url: Option<String>,
    pub hooks_url: String,
    pub svn_url: String,
    #[serde(default)] pub homepage: Option<String>,
    pub license: Value,
    #[serde(default)] pub language: Option<String>,
    pub forks_count: i64,
    pub forks: i64,
    pub stargazers_count: i64,
    pub watchers_count: i64,
    pub watchers: i64,
    pub size: i64,
    pub default_branch: String,
    pub open_issues_count: i64,
    pub open_issues: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub is_template: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub topics: Option<Vec<String>>,
    pub has_issues: bool,
    pub has_projects: bool,
    pub has_wiki: bool,
    pub has_pages: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub has_downloads: Option<bool>,
    pub archived: bool,
    pub disabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub visibility: Option<String>,
    pub pushed_at: DateTime,
    pub created_at: DateTime,
    pub updated_at: DateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub permissions: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub allow_rebase_merge: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub template_repository: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub temp_clone_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub allow_squash_merge: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub allow_auto_merge: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub delete_branch_on_merge: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub allow_merge_commit: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub allow_forking: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub web_commit_signoff_required: Option<bool>,
    pub subscribers_count: i64,
    pub network_count: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub organization: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub parent: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub source: Option<Value>,
}

/// Undeclared keys kept (`#[serde(flatten)] extra`).
#[derive(Debug, Serialize, Deserialize)]
pub struct Kept {
    pub id: i64,
    pub node_id: String,
    pub name: String,
    pub full_name: String,
    pub owner: Value,
    pub private: bool,
    pub html_url: String,
    #[serde(default)] pub description: Option<String>,
    pub fork: bool,
    pub url: String,
    pub archive_url: String,
    pub assignees_url: String,
    pub blobs_url: String,
    pub branches_url: String,
    pub collaborators_url: String,
    pub comments_url: String,
    pub commits_url: String,
    pub compare_url: String,
    pub contents_url: String,
    pub contributors_url: String,
    pub deployments_url: String,
    pub downloads_url: String,
    pub events_url: String,
    pub forks_url: String,
    pub git_commits_url: String,
    pub git_refs_url: String,
    pub git_tags_url: String,
    pub git_url: String,
    pub issue_comment_url: String,
    pub issue_events_url: String,
    pub issues_url: String,
    pub keys_url: String,
    pub labels_url: String,
    pub languages_url: String,
    pub merges_url: String,
    pub milestones_url: String,
    pub notifications_url: String,
    pub pulls_url: String,
    pub releases_url: String,
    pub ssh_url: String,
    pub stargazers_url: String,
    pub statuses_url: String,
    pub subscribers_url: String,
    pub subscription_url: String,
    pub tags_url: String,
    pub teams_url: String,
    pub trees_url: String,
    pub clone_url: String,
    #[serde(default)] pub mirror_url: Option<String>,
    pub hooks_url: String,
    pub svn_url: String,
    #[serde(default)] pub homepage: Option<String>,
    pub license: Value,
    #[serde(default)] pub language: Option<String>,
    pub forks_count: i64,
    pub forks: i64,
    pub stargazers_count: i64,
    pub watchers_count: i64,
    pub watchers: i64,
    pub size: i64,
    pub default_branch: String,
    pub open_issues_count: i64,
    pub open_issues: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub is_template: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub topics: Option<Vec<String>>,
    pub has_issues: bool,
    pub has_projects: bool,
    pub has_wiki: bool,
    pub has_pages: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub has_downloads: Option<bool>,
    pub archived: bool,
    pub disabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub visibility: Option<String>,
    pub pushed_at: DateTime,
    pub created_at: DateTime,
    pub updated_at: DateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub permissions: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub allow_rebase_merge: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub template_repository: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub temp_clone_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub allow_squash_merge: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub allow_auto_merge: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub delete_branch_on_merge: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub allow_merge_commit: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub allow_forking: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub web_commit_signoff_required: Option<bool>,
    pub subscribers_count: i64,
    pub network_count: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub organization: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub parent: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub source: Option<Value>,
    #[serde(flatten)] pub extra: Extra,
}

/// Undeclared keys kept and required fields lenient (the default emission now).
#[derive(Debug, Serialize, Deserialize)]
pub struct Lenient {
    #[serde(default = "missing::<_, Lenient, 0>", deserialize_with = "non_null::<_, _, Lenient, 0>")] pub id: i64,
    #[serde(default = "missing::<_, Lenient, 1>", deserialize_with = "non_null::<_, _, Lenient, 1>")] pub node_id: String,
    #[serde(default = "missing::<_, Lenient, 2>", deserialize_with = "non_null::<_, _, Lenient, 2>")] pub name: String,
    #[serde(default = "missing::<_, Lenient, 3>", deserialize_with = "non_null::<_, _, Lenient, 3>")] pub full_name: String,
    pub owner: Value,
    #[serde(default = "missing::<_, Lenient, 4>", deserialize_with = "non_null::<_, _, Lenient, 4>")] pub private: bool,
    #[serde(default = "missing::<_, Lenient, 5>", deserialize_with = "non_null::<_, _, Lenient, 5>")] pub html_url: String,
    #[serde(default = "missing::<_, Lenient, 6>")] pub description: Option<String>,
    #[serde(default = "missing::<_, Lenient, 7>", deserialize_with = "non_null::<_, _, Lenient, 7>")] pub fork: bool,
    #[serde(default = "missing::<_, Lenient, 8>", deserialize_with = "non_null::<_, _, Lenient, 8>")] pub url: String,
    #[serde(default = "missing::<_, Lenient, 9>", deserialize_with = "non_null::<_, _, Lenient, 9>")] pub archive_url: String,
    #[serde(default = "missing::<_, Lenient, 10>", deserialize_with = "non_null::<_, _, Lenient, 10>")] pub assignees_url: String,
    #[serde(default = "missing::<_, Lenient, 11>", deserialize_with = "non_null::<_, _, Lenient, 11>")] pub blobs_url: String,
    #[serde(default = "missing::<_, Lenient, 12>", deserialize_with = "non_null::<_, _, Lenient, 12>")] pub branches_url: String,
    #[serde(default = "missing::<_, Lenient, 13>", deserialize_with = "non_null::<_, _, Lenient, 13>")] pub collaborators_url: String,
    #[serde(default = "missing::<_, Lenient, 14>", deserialize_with = "non_null::<_, _, Lenient, 14>")] pub comments_url: String,
    #[serde(default = "missing::<_, Lenient, 15>", deserialize_with = "non_null::<_, _, Lenient, 15>")] pub commits_url: String,
    #[serde(default = "missing::<_, Lenient, 16>", deserialize_with = "non_null::<_, _, Lenient, 16>")] pub compare_url: String,
    #[serde(default = "missing::<_, Lenient, 17>", deserialize_with = "non_null::<_, _, Lenient, 17>")] pub contents_url: String,
    #[serde(default = "missing::<_, Lenient, 18>", deserialize_with = "non_null::<_, _, Lenient, 18>")] pub contributors_url: String,
    #[serde(default = "missing::<_, Lenient, 19>", deserialize_with = "non_null::<_, _, Lenient, 19>")] pub deployments_url: String,
    #[serde(default = "missing::<_, Lenient, 20>", deserialize_with = "non_null::<_, _, Lenient, 20>")] pub downloads_url: String,
    #[serde(default = "missing::<_, Lenient, 21>", deserialize_with = "non_null::<_, _, Lenient, 21>")] pub events_url: String,
    #[serde(default = "missing::<_, Lenient, 22>", deserialize_with = "non_null::<_, _, Lenient, 22>")] pub forks_url: String,
    #[serde(default = "missing::<_, Lenient, 23>", deserialize_with = "non_null::<_, _, Lenient, 23>")] pub git_commits_url: String,
    #[serde(default = "missing::<_, Lenient, 24>", deserialize_with = "non_null::<_, _, Lenient, 24>")] pub git_refs_url: String,
    #[serde(default = "missing::<_, Lenient, 25>", deserialize_with = "non_null::<_, _, Lenient, 25>")] pub git_tags_url: String,
    #[serde(default = "missing::<_, Lenient, 26>", deserialize_with = "non_null::<_, _, Lenient, 26>")] pub git_url: String,
    #[serde(default = "missing::<_, Lenient, 27>", deserialize_with = "non_null::<_, _, Lenient, 27>")] pub issue_comment_url: String,
    #[serde(default = "missing::<_, Lenient, 28>", deserialize_with = "non_null::<_, _, Lenient, 28>")] pub issue_events_url: String,
    #[serde(default = "missing::<_, Lenient, 29>", deserialize_with = "non_null::<_, _, Lenient, 29>")] pub issues_url: String,
    #[serde(default = "missing::<_, Lenient, 30>", deserialize_with = "non_null::<_, _, Lenient, 30>")] pub keys_url: String,
    #[serde(default = "missing::<_, Lenient, 31>", deserialize_with = "non_null::<_, _, Lenient, 31>")] pub labels_url: String,
    #[serde(default = "missing::<_, Lenient, 32>", deserialize_with = "non_null::<_, _, Lenient, 32>")] pub languages_url: String,
    #[serde(default = "missing::<_, Lenient, 33>", deserialize_with = "non_null::<_, _, Lenient, 33>")] pub merges_url: String,
    #[serde(default = "missing::<_, Lenient, 34>", deserialize_with = "non_null::<_, _, Lenient, 34>")] pub milestones_url: String,
    #[serde(default = "missing::<_, Lenient, 35>", deserialize_with = "non_null::<_, _, Lenient, 35>")] pub notifications_url: String,
    #[serde(default = "missing::<_, Lenient, 36>", deserialize_with = "non_null::<_, _, Lenient, 36>")] pub pulls_url: String,
    #[serde(default = "missing::<_, Lenient, 37>", deserialize_with = "non_null::<_, _, Lenient, 37>")] pub releases_url: String,
    #[serde(default = "missing::<_, Lenient, 38>", deserialize_with = "non_null::<_, _, Lenient, 38>")] pub ssh_url: String,
    #[serde(default = "missing::<_, Lenient, 39>", deserialize_with = "non_null::<_, _, Lenient, 39>")] pub stargazers_url: String,
    #[serde(default = "missing::<_, Lenient, 40>", deserialize_with = "non_null::<_, _, Lenient, 40>")] pub statuses_url: String,
    #[serde(default = "missing::<_, Lenient, 41>", deserialize_with = "non_null::<_, _, Lenient, 41>")] pub subscribers_url: String,
    #[serde(default = "missing::<_, Lenient, 42>", deserialize_with = "non_null::<_, _, Lenient, 42>")] pub subscription_url: String,
    #[serde(default = "missing::<_, Lenient, 43>", deserialize_with = "non_null::<_, _, Lenient, 43>")] pub tags_url: String,
    #[serde(default = "missing::<_, Lenient, 44>", deserialize_with = "non_null::<_, _, Lenient, 44>")] pub teams_url: String,
    #[serde(default = "missing::<_, Lenient, 45>", deserialize_with = "non_null::<_, _, Lenient, 45>")] pub trees_url: String,
    #[serde(default = "missing::<_, Lenient, 46>", deserialize_with = "non_null::<_, _, Lenient, 46>")] pub clone_url: String,
    #[serde(default = "missing::<_, Lenient, 47>")] pub mirror_url: Option<String>,
    #[serde(default = "missing::<_, Lenient, 48>", deserialize_with = "non_null::<_, _, Lenient, 48>")] pub hooks_url: String,
    #[serde(default = "missing::<_, Lenient, 49>", deserialize_with = "non_null::<_, _, Lenient, 49>")] pub svn_url: String,
    #[serde(default = "missing::<_, Lenient, 50>")] pub homepage: Option<String>,
    pub license: Value,
    #[serde(default = "missing::<_, Lenient, 51>")] pub language: Option<String>,
    #[serde(default = "missing::<_, Lenient, 52>", deserialize_with = "non_null::<_, _, Lenient, 52>")] pub forks_count: i64,
    #[serde(default = "missing::<_, Lenient, 53>", deserialize_with = "non_null::<_, _, Lenient, 53>")] pub forks: i64,
    #[serde(default = "missing::<_, Lenient, 54>", deserialize_with = "non_null::<_, _, Lenient, 54>")] pub stargazers_count: i64,
    #[serde(default = "missing::<_, Lenient, 55>", deserialize_with = "non_null::<_, _, Lenient, 55>")] pub watchers_count: i64,
    #[serde(default = "missing::<_, Lenient, 56>", deserialize_with = "non_null::<_, _, Lenient, 56>")] pub watchers: i64,
    #[serde(default = "missing::<_, Lenient, 57>", deserialize_with = "non_null::<_, _, Lenient, 57>")] pub size: i64,
    #[serde(default = "missing::<_, Lenient, 58>", deserialize_with = "non_null::<_, _, Lenient, 58>")] pub default_branch: String,
    #[serde(default = "missing::<_, Lenient, 59>", deserialize_with = "non_null::<_, _, Lenient, 59>")] pub open_issues_count: i64,
    #[serde(default = "missing::<_, Lenient, 60>", deserialize_with = "non_null::<_, _, Lenient, 60>")] pub open_issues: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub is_template: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub topics: Option<Vec<String>>,
    #[serde(default = "missing::<_, Lenient, 61>", deserialize_with = "non_null::<_, _, Lenient, 61>")] pub has_issues: bool,
    #[serde(default = "missing::<_, Lenient, 62>", deserialize_with = "non_null::<_, _, Lenient, 62>")] pub has_projects: bool,
    #[serde(default = "missing::<_, Lenient, 63>", deserialize_with = "non_null::<_, _, Lenient, 63>")] pub has_wiki: bool,
    #[serde(default = "missing::<_, Lenient, 64>", deserialize_with = "non_null::<_, _, Lenient, 64>")] pub has_pages: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub has_downloads: Option<bool>,
    #[serde(default = "missing::<_, Lenient, 65>", deserialize_with = "non_null::<_, _, Lenient, 65>")] pub archived: bool,
    #[serde(default = "missing::<_, Lenient, 66>", deserialize_with = "non_null::<_, _, Lenient, 66>")] pub disabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub visibility: Option<String>,
    pub pushed_at: DateTime,
    pub created_at: DateTime,
    pub updated_at: DateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub permissions: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub allow_rebase_merge: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub template_repository: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub temp_clone_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub allow_squash_merge: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub allow_auto_merge: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub delete_branch_on_merge: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub allow_merge_commit: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub allow_forking: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub web_commit_signoff_required: Option<bool>,
    #[serde(default = "missing::<_, Lenient, 67>", deserialize_with = "non_null::<_, _, Lenient, 67>")] pub subscribers_count: i64,
    #[serde(default = "missing::<_, Lenient, 68>", deserialize_with = "non_null::<_, _, Lenient, 68>")] pub network_count: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub organization: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub parent: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")] pub source: Option<Value>,
    #[serde(flatten)] pub extra: Extra,
}
impl Schema for Lenient {
    const NAME: &'static str = "Lenient";
    const POINTER: &'static str = "#/components/schemas/full-repository";
}

/// Now: the same fields decoded by `sturdy_runtime::types::object` (what `sturdy generate`
/// emits now: an `Object` impl instead of serde's derive; see `decode`).
#[derive(Debug, Serialize)]
pub struct Emitted {
    pub id: i64,
    pub node_id: String,
    pub name: String,
    pub full_name: String,
    pub owner: Value,
    pub private: bool,
    pub html_url: String,
    pub description: Option<String>,
    pub fork: bool,
    pub url: String,
    pub archive_url: String,
    pub assignees_url: String,
    pub blobs_url: String,
    pub branches_url: String,
    pub collaborators_url: String,
    pub comments_url: String,
    pub commits_url: String,
    pub compare_url: String,
    pub contents_url: String,
    pub contributors_url: String,
    pub deployments_url: String,
    pub downloads_url: String,
    pub events_url: String,
    pub forks_url: String,
    pub git_commits_url: String,
    pub git_refs_url: String,
    pub git_tags_url: String,
    pub git_url: String,
    pub issue_comment_url: String,
    pub issue_events_url: String,
    pub issues_url: String,
    pub keys_url: String,
    pub labels_url: String,
    pub languages_url: String,
    pub merges_url: String,
    pub milestones_url: String,
    pub notifications_url: String,
    pub pulls_url: String,
    pub releases_url: String,
    pub ssh_url: String,
    pub stargazers_url: String,
    pub statuses_url: String,
    pub subscribers_url: String,
    pub subscription_url: String,
    pub tags_url: String,
    pub teams_url: String,
    pub trees_url: String,
    pub clone_url: String,
    pub mirror_url: Option<String>,
    pub hooks_url: String,
    pub svn_url: String,
    pub homepage: Option<String>,
    pub license: Value,
    pub language: Option<String>,
    pub forks_count: i64,
    pub forks: i64,
    pub stargazers_count: i64,
    pub watchers_count: i64,
    pub watchers: i64,
    pub size: i64,
    pub default_branch: String,
    pub open_issues_count: i64,
    pub open_issues: i64,
    #[serde(skip_serializing_if = "Option::is_none")] pub is_template: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")] pub topics: Option<Vec<String>>,
    pub has_issues: bool,
    pub has_projects: bool,
    pub has_wiki: bool,
    pub has_pages: bool,
    #[serde(skip_serializing_if = "Option::is_none")] pub has_downloads: Option<bool>,
    pub archived: bool,
    pub disabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")] pub visibility: Option<String>,
    pub pushed_at: DateTime,
    pub created_at: DateTime,
    pub updated_at: DateTime,
    #[serde(skip_serializing_if = "Option::is_none")] pub permissions: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")] pub allow_rebase_merge: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")] pub template_repository: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")] pub temp_clone_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")] pub allow_squash_merge: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")] pub allow_auto_merge: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")] pub delete_branch_on_merge: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")] pub allow_merge_commit: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")] pub allow_forking: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")] pub web_commit_signoff_required: Option<bool>,
    pub subscribers_count: i64,
    pub network_count: i64,
    #[serde(skip_serializing_if = "Option::is_none")] pub organization: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")] pub parent: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")] pub source: Option<Value>,
    #[serde(flatten)] pub extra: Extra,
}
impl Schema for Emitted {
    const NAME: &'static str = "Emitted";
    const POINTER: &'static str = "#/components/schemas/full-repository";
}
impl Object for Emitted {
    const KEYS: &'static [&'static str] = &["id", "node_id", "name", "full_name", "owner", "private", "html_url", "description", "fork", "url", "archive_url", "assignees_url", "blobs_url", "branches_url", "collaborators_url", "comments_url", "commits_url", "compare_url", "contents_url", "contributors_url", "deployments_url", "downloads_url", "events_url", "forks_url", "git_commits_url", "git_refs_url", "git_tags_url", "git_url", "issue_comment_url", "issue_events_url", "issues_url", "keys_url", "labels_url", "languages_url", "merges_url", "milestones_url", "notifications_url", "pulls_url", "releases_url", "ssh_url", "stargazers_url", "statuses_url", "subscribers_url", "subscription_url", "tags_url", "teams_url", "trees_url", "clone_url", "mirror_url", "hooks_url", "svn_url", "homepage", "license", "language", "forks_count", "forks", "stargazers_count", "watchers_count", "watchers", "size", "default_branch", "open_issues_count", "open_issues", "is_template", "topics", "has_issues", "has_projects", "has_wiki", "has_pages", "has_downloads", "archived", "disabled", "visibility", "pushed_at", "created_at", "updated_at", "permissions", "allow_rebase_merge", "template_repository", "temp_clone_token", "allow_squash_merge", "allow_auto_merge", "delete_branch_on_merge", "allow_merge_commit", "allow_forking", "web_commit_signoff_required", "subscribers_count", "network_count", "organization", "parent", "source"];
    fn visit<'de, A: serde::de::MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let de = Decoder::<Self, _>::of(&map, false);
        let mut f0 = None;
        let mut f1 = None;
        let mut f2 = None;
        let mut f3 = None;
        let mut f4 = None;
        let mut f5 = None;
        let mut f6 = None;
        let mut f7 = None;
        let mut f8 = None;
        let mut f9 = None;
        let mut f10 = None;
        let mut f11 = None;
        let mut f12 = None;
        let mut f13 = None;
        let mut f14 = None;
        let mut f15 = None;
        let mut f16 = None;
        let mut f17 = None;
        let mut f18 = None;
        let mut f19 = None;
        let mut f20 = None;
        let mut f21 = None;
        let mut f22 = None;
        let mut f23 = None;
        let mut f24 = None;
        let mut f25 = None;
        let mut f26 = None;
        let mut f27 = None;
        let mut f28 = None;
        let mut f29 = None;
        let mut f30 = None;
        let mut f31 = None;
        let mut f32 = None;
        let mut f33 = None;
        let mut f34 = None;
        let mut f35 = None;
        let mut f36 = None;
        let mut f37 = None;
        let mut f38 = None;
        let mut f39 = None;
        let mut f40 = None;
        let mut f41 = None;
        let mut f42 = None;
        let mut f43 = None;
        let mut f44 = None;
        let mut f45 = None;
        let mut f46 = None;
        let mut f47 = None;
        let mut f48 = None;
        let mut f49 = None;
        let mut f50 = None;
        let mut f51 = None;
        let mut f52 = None;
        let mut f53 = None;
        let mut f54 = None;
        let mut f55 = None;
        let mut f56 = None;
        let mut f57 = None;
        let mut f58 = None;
        let mut f59 = None;
        let mut f60 = None;
        let mut f61 = None;
        let mut f62 = None;
        let mut f63 = None;
        let mut f64 = None;
        let mut f65 = None;
        let mut f66 = None;
        let mut f67 = None;
        let mut f68 = None;
        let mut f69 = None;
        let mut f70 = None;
        let mut f71 = None;
        let mut f72 = None;
        let mut f73 = None;
        let mut f74 = None;
        let mut f75 = None;
        let mut f76 = None;
        let mut f77 = None;
        let mut f78 = None;
        let mut f79 = None;
        let mut f80 = None;
        let mut f81 = None;
        let mut f82 = None;
        let mut f83 = None;
        let mut f84 = None;
        let mut f85 = None;
        let mut f86 = None;
        let mut f87 = None;
        let mut f88 = None;
        let mut f89 = None;
        let mut f90 = None;
        let mut extra = std::collections::BTreeMap::new();
        while let Some(key) = de.key(&mut map)? {
            match key {
                Key::Field(0) => de.non_null(&mut map, &mut f0, 0),
                Key::Field(1) => de.non_null(&mut map, &mut f1, 1),
                Key::Field(2) => de.non_null(&mut map, &mut f2, 2),
                Key::Field(3) => de.non_null(&mut map, &mut f3, 3),
                Key::Field(4) => de.value(&mut map, &mut f4, 4),
                Key::Field(5) => de.non_null(&mut map, &mut f5, 5),
                Key::Field(6) => de.non_null(&mut map, &mut f6, 6),
                Key::Field(7) => de.value(&mut map, &mut f7, 7),
                Key::Field(8) => de.non_null(&mut map, &mut f8, 8),
                Key::Field(9) => de.non_null(&mut map, &mut f9, 9),
                Key::Field(10) => de.non_null(&mut map, &mut f10, 10),
                Key::Field(11) => de.non_null(&mut map, &mut f11, 11),
                Key::Field(12) => de.non_null(&mut map, &mut f12, 12),
                Key::Field(13) => de.non_null(&mut map, &mut f13, 13),
                Key::Field(14) => de.non_null(&mut map, &mut f14, 14),
                Key::Field(15) => de.non_null(&mut map, &mut f15, 15),
                Key::Field(16) => de.non_null(&mut map, &mut f16, 16),
                Key::Field(17) => de.non_null(&mut map, &mut f17, 17),
                Key::Field(18) => de.non_null(&mut map, &mut f18, 18),
                Key::Field(19) => de.non_null(&mut map, &mut f19, 19),
                Key::Field(20) => de.non_null(&mut map, &mut f20, 20),
                Key::Field(21) => de.non_null(&mut map, &mut f21, 21),
                Key::Field(22) => de.non_null(&mut map, &mut f22, 22),
                Key::Field(23) => de.non_null(&mut map, &mut f23, 23),
                Key::Field(24) => de.non_null(&mut map, &mut f24, 24),
                Key::Field(25) => de.non_null(&mut map, &mut f25, 25),
                Key::Field(26) => de.non_null(&mut map, &mut f26, 26),
                Key::Field(27) => de.non_null(&mut map, &mut f27, 27),
                Key::Field(28) => de.non_null(&mut map, &mut f28, 28),
                Key::Field(29) => de.non_null(&mut map, &mut f29, 29),
                Key::Field(30) => de.non_null(&mut map, &mut f30, 30),
                Key::Field(31) => de.non_null(&mut map, &mut f31, 31),
                Key::Field(32) => de.non_null(&mut map, &mut f32, 32),
                Key::Field(33) => de.non_null(&mut map, &mut f33, 33),
                Key::Field(34) => de.non_null(&mut map, &mut f34, 34),
                Key::Field(35) => de.non_null(&mut map, &mut f35, 35),
                Key::Field(36) => de.non_null(&mut map, &mut f36, 36),
                Key::Field(37) => de.non_null(&mut map, &mut f37, 37),
                Key::Field(38) => de.non_null(&mut map, &mut f38, 38),
                Key::Field(39) => de.non_null(&mut map, &mut f39, 39),
                Key::Field(40) => de.non_null(&mut map, &mut f40, 40),
                Key::Field(41) => de.non_null(&mut map, &mut f41, 41),
                Key::Field(42) => de.non_null(&mut map, &mut f42, 42),
                Key::Field(43) => de.non_null(&mut map, &mut f43, 43),
                Key::Field(44) => de.non_null(&mut map, &mut f44, 44),
                Key::Field(45) => de.non_null(&mut map, &mut f45, 45),
                Key::Field(46) => de.non_null(&mut map, &mut f46, 46),
                Key::Field(47) => de.non_null(&mut map, &mut f47, 47),
                Key::Field(48) => de.value(&mut map, &mut f48, 48),
                Key::Field(49) => de.non_null(&mut map, &mut f49, 49),
                Key::Field(50) => de.non_null(&mut map, &mut f50, 50),
                Key::Field(51) => de.value(&mut map, &mut f51, 51),
                Key::Field(52) => de.value(&mut map, &mut f52, 52),
                Key::Field(53) => de.value(&mut map, &mut f53, 53),
                Key::Field(54) => de.non_null(&mut map, &mut f54, 54),
                Key::Field(55) => de.non_null(&mut map, &mut f55, 55),
                Key::Field(56) => de.non_null(&mut map, &mut f56, 56),
                Key::Field(57) => de.non_null(&mut map, &mut f57, 57),
                Key::Field(58) => de.non_null(&mut map, &mut f58, 58),
                Key::Field(59) => de.non_null(&mut map, &mut f59, 59),
                Key::Field(60) => de.non_null(&mut map, &mut f60, 60),
                Key::Field(61) => de.non_null(&mut map, &mut f61, 61),
                Key::Field(62) => de.non_null(&mut map, &mut f62, 62),
                Key::Field(63) => de.value(&mut map, &mut f63, 63),
                Key::Field(64) => de.value(&mut map, &mut f64, 64),
                Key::Field(65) => de.non_null(&mut map, &mut f65, 65),
                Key::Field(66) => de.non_null(&mut map, &mut f66, 66),
                Key::Field(67) => de.non_null(&mut map, &mut f67, 67),
                Key::Field(68) => de.non_null(&mut map, &mut f68, 68),
                Key::Field(69) => de.value(&mut map, &mut f69, 69),
                Key::Field(70) => de.non_null(&mut map, &mut f70, 70),
                Key::Field(71) => de.non_null(&mut map, &mut f71, 71),
                Key::Field(72) => de.value(&mut map, &mut f72, 72),
                Key::Field(73) => de.value(&mut map, &mut f73, 73),
                Key::Field(74) => de.value(&mut map, &mut f74, 74),
                Key::Field(75) => de.value(&mut map, &mut f75, 75),
                Key::Field(76) => de.value(&mut map, &mut f76, 76),
                Key::Field(77) => de.value(&mut map, &mut f77, 77),
                Key::Field(78) => de.value(&mut map, &mut f78, 78),
                Key::Field(79) => de.value(&mut map, &mut f79, 79),
                Key::Field(80) => de.value(&mut map, &mut f80, 80),
                Key::Field(81) => de.value(&mut map, &mut f81, 81),
                Key::Field(82) => de.value(&mut map, &mut f82, 82),
                Key::Field(83) => de.value(&mut map, &mut f83, 83),
                Key::Field(84) => de.value(&mut map, &mut f84, 84),
                Key::Field(85) => de.value(&mut map, &mut f85, 85),
                Key::Field(86) => de.non_null(&mut map, &mut f86, 86),
                Key::Field(87) => de.non_null(&mut map, &mut f87, 87),
                Key::Field(88) => de.value(&mut map, &mut f88, 88),
                Key::Field(89) => de.value(&mut map, &mut f89, 89),
                Key::Field(90) => de.value(&mut map, &mut f90, 90),
                key => de.extra(&mut map, &mut extra, key),
            }?;
        }
        Ok(Self {
            id: de.or_default(f0, 0)?,
            node_id: de.or_default(f1, 1)?,
            name: de.or_default(f2, 2)?,
            full_name: de.or_default(f3, 3)?,
            owner: de.take(f4, 4)?,
            private: de.or_default(f5, 5)?,
            html_url: de.or_default(f6, 6)?,
            description: de.or_default(f7, 7)?,
            fork: de.or_default(f8, 8)?,
            url: de.or_default(f9, 9)?,
            archive_url: de.or_default(f10, 10)?,
            assignees_url: de.or_default(f11, 11)?,
            blobs_url: de.or_default(f12, 12)?,
            branches_url: de.or_default(f13, 13)?,
            collaborators_url: de.or_default(f14, 14)?,
            comments_url: de.or_default(f15, 15)?,
            commits_url: de.or_default(f16, 16)?,
            compare_url: de.or_default(f17, 17)?,
            contents_url: de.or_default(f18, 18)?,
            contributors_url: de.or_default(f19, 19)?,
            deployments_url: de.or_default(f20, 20)?,
            downloads_url: de.or_default(f21, 21)?,
            events_url: de.or_default(f22, 22)?,
            forks_url: de.or_default(f23, 23)?,
            git_commits_url: de.or_default(f24, 24)?,
            git_refs_url: de.or_default(f25, 25)?,
            git_tags_url: de.or_default(f26, 26)?,
            git_url: de.or_default(f27, 27)?,
            issue_comment_url: de.or_default(f28, 28)?,
            issue_events_url: de.or_default(f29, 29)?,
            issues_url: de.or_default(f30, 30)?,
            keys_url: de.or_default(f31, 31)?,
            labels_url: de.or_default(f32, 32)?,
            languages_url: de.or_default(f33, 33)?,
            merges_url: de.or_default(f34, 34)?,
            milestones_url: de.or_default(f35, 35)?,
            notifications_url: de.or_default(f36, 36)?,
            pulls_url: de.or_default(f37, 37)?,
            releases_url: de.or_default(f38, 38)?,
            ssh_url: de.or_default(f39, 39)?,
            stargazers_url: de.or_default(f40, 40)?,
            statuses_url: de.or_default(f41, 41)?,
            subscribers_url: de.or_default(f42, 42)?,
            subscription_url: de.or_default(f43, 43)?,
            tags_url: de.or_default(f44, 44)?,
            teams_url: de.or_default(f45, 45)?,
            trees_url: de.or_default(f46, 46)?,
            clone_url: de.or_default(f47, 47)?,
            mirror_url: de.or_default(f48, 48)?,
            hooks_url: de.or_default(f49, 49)?,
            svn_url: de.or_default(f50, 50)?,
            homepage: de.or_default(f51, 51)?,
            license: de.take(f52, 52)?,
            language: de.or_default(f53, 53)?,
            forks_count: de.or_default(f54, 54)?,
            forks: de.or_default(f55, 55)?,
            stargazers_count: de.or_default(f56, 56)?,
            watchers_count: de.or_default(f57, 57)?,
            watchers: de.or_default(f58, 58)?,
            size: de.or_default(f59, 59)?,
            default_branch: de.or_default(f60, 60)?,
            open_issues_count: de.or_default(f61, 61)?,
            open_issues: de.or_default(f62, 62)?,
            is_template: f63.unwrap_or_default(),
            topics: f64.unwrap_or_default(),
            has_issues: de.or_default(f65, 65)?,
            has_projects: de.or_default(f66, 66)?,
            has_wiki: de.or_default(f67, 67)?,
            has_pages: de.or_default(f68, 68)?,
            has_downloads: f69.unwrap_or_default(),
            archived: de.or_default(f70, 70)?,
            disabled: de.or_default(f71, 71)?,
            visibility: f72.unwrap_or_default(),
            pushed_at: de.take(f73, 73)?,
            created_at: de.take(f74, 74)?,
            updated_at: de.take(f75, 75)?,
            permissions: f76.unwrap_or_default(),
            allow_rebase_merge: f77.unwrap_or_default(),
            template_repository: f78.unwrap_or_default(),
            temp_clone_token: f79.unwrap_or_default(),
            allow_squash_merge: f80.unwrap_or_default(),
            allow_auto_merge: f81.unwrap_or_default(),
            delete_branch_on_merge: f82.unwrap_or_default(),
            allow_merge_commit: f83.unwrap_or_default(),
            allow_forking: f84.unwrap_or_default(),
            web_commit_signoff_required: f85.unwrap_or_default(),
            subscribers_count: de.or_default(f86, 86)?,
            network_count: de.or_default(f87, 87)?,
            organization: f88.unwrap_or_default(),
            parent: f89.unwrap_or_default(),
            source: f90.unwrap_or_default(),
            extra: de.undeclared(extra),
        })
    }
}
impl<'de> Deserialize<'de> for Emitted {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        sturdy_runtime::types::object::deserialize(d)
    }
}

/// The functions the `Lenient` shape's serde attributes name: what the runtime offered
/// before structs decoded through `sturdy_runtime::types::object` (same behaviour).
fn missing<T: Default, S: Schema, const I: usize>() -> T {
    sturdy_runtime::union::deviation(sturdy_runtime::union::Deviation::Missing, S::NAME, S::POINTER, None);
    T::default()
}

fn non_null<'de, D, T, S, const I: usize>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
    S: Schema,
{
    match Option::<T>::deserialize(d)? {
        Some(v) => Ok(v),
        None => {
            sturdy_runtime::union::deviation(sturdy_runtime::union::Deviation::Null, S::NAME, S::POINTER, Some("null"));
            Ok(T::default())
        }
    }
}
