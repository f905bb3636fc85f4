//! What each method does, on decoded [`Value`]s. Nothing here knows about HTTP or XML.
//!
//! Three groups:
//! - the user methods, over `common`'s store, as in the `jsonrpc` crate;
//! - the introspection methods and `system.multicall` (the de-facto standard extensions that
//!   Python's `SimpleXMLRPCServer` also offers);
//! - validator1, the classic interoperability suite, exactly as its specification describes it.

use crate::{MAX_MULTICALL, MAX_PAGE, NewUser, codes, user_fault, user_to_value};
use common::UserStore;
use dxr::{Fault, Value};
use std::collections::BTreeMap;

/// One method: its name on the wire, its signatures (`[return type, parameter types...]`, as
/// `system.methodSignature` reports them) and its help text.
#[derive(Debug, Clone, Copy)]
pub struct Method {
    pub name: &'static str,
    pub signatures: &'static [&'static [&'static str]],
    pub help: &'static str,
}

const fn method(
    name: &'static str,
    signatures: &'static [&'static [&'static str]],
    help: &'static str,
) -> Method {
    Method { name, signatures, help }
}

/// Every method the server answers, in the order `system.listMethods` lists them.
pub const METHODS: &[Method] = &[
    method(
        "users.get",
        &[&["struct", "int"]],
        "users.get(id) -> {id, name, email}. Fault 1001 if no user has this id.",
    ),
    method(
        "users.create",
        &[&["struct", "struct"]],
        "users.create({name, email}) -> the stored user with its new id. Faults 1002 (invalid field), 1003 (email taken), 1004 (store full).",
    ),
    method(
        "users.list",
        &[&["array"], &["array", "struct"]],
        "users.list() or users.list({offset, limit}) -> users in id order; limit is at most 100.",
    ),
    method(
        "system.listMethods",
        &[&["array"]],
        "system.listMethods() -> the names of every method.",
    ),
    method(
        "system.methodHelp",
        &[&["string", "string"]],
        "system.methodHelp(name) -> what the method does.",
    ),
    method(
        "system.methodSignature",
        &[&["array", "string"]],
        "system.methodSignature(name) -> its signatures: arrays of [return type, parameter types...].",
    ),
    method(
        "system.multicall",
        &[&["array", "array"]],
        "system.multicall([{methodName, params}, ...]) -> one [result] or {faultCode, faultString} per call, in order (at most 100 calls; no nested multicall).",
    ),
    method(
        "validator1.arrayOfStructsTest",
        &[&["int", "array"]],
        "Takes an array of structs with i4 members moe, larry and curly; returns the sum of every curly.",
    ),
    method(
        "validator1.countTheEntities",
        &[&["struct", "string"]],
        "Takes a string; returns {ctLeftAngleBrackets, ctRightAngleBrackets, ctAmpersands, ctApostrophes, ctQuotes}: how many of < > & ' \" it holds.",
    ),
    method(
        "validator1.easyStructTest",
        &[&["int", "struct"]],
        "Takes a struct with i4 members moe, larry and curly; returns their sum.",
    ),
    method("validator1.echoStructTest", &[&["struct", "struct"]], "Takes a struct; returns it."),
    method(
        "validator1.manyTypesTest",
        &[&["array", "int", "boolean", "string", "double", "dateTime.iso8601", "base64"]],
        "Takes an i4, a boolean, a string, a double, a dateTime.iso8601 and a base64; returns them as an array.",
    ),
    method(
        "validator1.moderateSizeArrayCheck",
        &[&["string", "array"]],
        "Takes an array of strings (100 to 200 of them in the suite); returns the first and the last concatenated.",
    ),
    method(
        "validator1.nestedStructTest",
        &[&["int", "struct"]],
        "Takes a calendar struct (years, of months, of days); returns moe + larry + curly of the day 2000-04-01.",
    ),
    method(
        "validator1.simpleStructReturnTest",
        &[&["struct", "int"]],
        "Takes an i4; returns {times10, times100, times1000}: it multiplied by 10, 100 and 1000.",
    ),
];

/// The server's state: the users. Cloning shares them.
#[derive(Debug, Clone)]
pub struct Handlers {
    users: UserStore,
}

impl Handlers {
    pub fn new(users: UserStore) -> Self {
        Self { users }
    }

    /// Calls `name` with `params`: a value, or the fault to answer instead.
    pub fn call(&self, name: &str, params: &[Value]) -> Result<Value, Fault> {
        if name == "system.multicall" {
            return self.multicall(params);
        }
        self.call_one(name, params)
    }

    fn call_one(&self, name: &str, params: &[Value]) -> Result<Value, Fault> {
        match name {
            "users.get" => {
                let [id] = exactly(params)?;
                self.users.get(id_param(id)?).map(|u| user_to_value(&u)).map_err(user_fault)
            }
            "users.create" => {
                let [fields] = exactly(params)?;
                let fields = as_struct(fields)?;
                let new = NewUser {
                    name: string_field(fields, "name")?,
                    email: string_field(fields, "email")?,
                };
                self.users.create(new).map(|u| user_to_value(&u)).map_err(user_fault)
            }
            "users.list" => {
                let (offset, limit) = match params {
                    [] => (0, MAX_PAGE),
                    [page] => {
                        let page = as_struct(page)?;
                        (
                            count_field(page, "offset")?.unwrap_or(0),
                            count_field(page, "limit")?.unwrap_or(MAX_PAGE),
                        )
                    }
                    _ => {
                        return Err(invalid_params(format!(
                            "expected 0 or 1 parameters, got {}",
                            params.len()
                        )));
                    }
                };
                let users = self.users.list(offset, limit.min(MAX_PAGE));
                Ok(Value::Array(users.iter().map(user_to_value).collect()))
            }
            "system.listMethods" => {
                let [] = exactly(params)?;
                Ok(Value::Array(METHODS.iter().map(|m| Value::String(m.name.to_owned())).collect()))
            }
            "system.methodHelp" => Ok(Value::String(lookup(params)?.help.to_owned())),
            "system.methodSignature" => {
                let signatures = lookup(params)?.signatures.iter().map(|signature| {
                    Value::Array(signature.iter().map(|t| Value::String((*t).to_owned())).collect())
                });
                Ok(Value::Array(signatures.collect()))
            }
            name if name.starts_with("validator1.") => validator1(name, params),
            _ => Err(Fault::new(codes::METHOD_NOT_FOUND, format!("no method {name:?}"))),
        }
    }

    /// `system.multicall`: each call answered on its own, a fault in one not stopping the others.
    fn multicall(&self, params: &[Value]) -> Result<Value, Fault> {
        let calls = dxr::multicall::from_multicall_params(params.to_vec()).map_err(decode_fault)?;
        if calls.len() > MAX_MULTICALL {
            return Err(invalid_params(format!(
                "at most {MAX_MULTICALL} calls in one system.multicall"
            )));
        }
        let results = calls
            .into_iter()
            .map(|call| {
                let (name, params) = call.map_err(decode_fault)?;
                if name == "system.multicall" {
                    return Err(invalid_params("system.multicall may not be nested".to_owned()));
                }
                self.call_one(&name, &params)
            })
            .collect();
        Ok(dxr::multicall::into_multicall_response(results))
    }
}

/// The validator1 suite. Every number in it is an `i4`; sums and products that would leave
/// that range are faults, not wrapped.
fn validator1(name: &str, params: &[Value]) -> Result<Value, Fault> {
    match name.trim_start_matches("validator1.") {
        "arrayOfStructsTest" => {
            let [list] = exactly(params)?;
            let curlies = as_array(list)?.iter().map(|item| int_field(as_struct(item)?, "curly"));
            sum(curlies)
        }
        "countTheEntities" => {
            let [text] = exactly(params)?;
            let text = as_string(text)?;
            let count =
                |c: char| Value::Integer(text.matches(c).count().try_into().unwrap_or(i32::MAX));
            Ok(Value::Struct(BTreeMap::from([
                ("ctLeftAngleBrackets".to_owned(), count('<')),
                ("ctRightAngleBrackets".to_owned(), count('>')),
                ("ctAmpersands".to_owned(), count('&')),
                ("ctApostrophes".to_owned(), count('\'')),
                ("ctQuotes".to_owned(), count('"')),
            ])))
        }
        "easyStructTest" => {
            let [stooges] = exactly(params)?;
            stooges_sum(as_struct(stooges)?)
        }
        "echoStructTest" => {
            let [fields] = exactly(params)?;
            as_struct(fields)?;
            Ok(fields.clone())
        }
        "manyTypesTest" => {
            let [number, boolean, string, double, date_time, base64] = exactly(params)?;
            let expected = [
                (number, matches!(number, Value::Integer(_)), "i4"),
                (boolean, matches!(boolean, Value::Boolean(_)), "boolean"),
                (string, matches!(string, Value::String(_)), "string"),
                (double, matches!(double, Value::Double(_)), "double"),
                (date_time, matches!(date_time, Value::DateTime(_)), "dateTime.iso8601"),
                (base64, matches!(base64, Value::Base64(_)), "base64"),
            ];
            if let Some((position, (_, _, kind))) =
                expected.iter().enumerate().find(|(_, (_, ok, _))| !ok)
            {
                return Err(invalid_params(format!("parameter {} must be {kind}", position + 1)));
            }
            Ok(Value::Array(expected.into_iter().map(|(value, _, _)| value.clone()).collect()))
        }
        "moderateSizeArrayCheck" => {
            let [list] = exactly(params)?;
            let strings = as_array(list)?.iter().map(as_string).collect::<Result<Vec<_>, _>>()?;
            match (strings.first(), strings.last()) {
                (Some(first), Some(last)) => Ok(Value::String(format!("{first}{last}"))),
                _ => Err(invalid_params("the array must not be empty".to_owned())),
            }
        }
        "nestedStructTest" => {
            let [calendar] = exactly(params)?;
            let mut day = calendar;
            for key in ["2000", "04", "01"] {
                day = as_struct(day)?.get(key).ok_or_else(|| {
                    invalid_params(format!("no member {key:?} on the way to 2000-04-01"))
                })?;
            }
            stooges_sum(as_struct(day)?)
        }
        "simpleStructReturnTest" => {
            let [number] = exactly(params)?;
            let number = as_int(number)?;
            let times = |factor: i32| {
                number.checked_mul(factor).map(Value::Integer).ok_or_else(out_of_range)
            };
            Ok(Value::Struct(BTreeMap::from([
                ("times10".to_owned(), times(10)?),
                ("times100".to_owned(), times(100)?),
                ("times1000".to_owned(), times(1000)?),
            ])))
        }
        _ => Err(Fault::new(codes::METHOD_NOT_FOUND, format!("no method {name:?}"))),
    }
}

fn stooges_sum(fields: &BTreeMap<String, Value>) -> Result<Value, Fault> {
    sum(["moe", "larry", "curly"].into_iter().map(|name| int_field(fields, name)))
}

fn sum(numbers: impl Iterator<Item = Result<i32, Fault>>) -> Result<Value, Fault> {
    let mut total = 0i32;
    for number in numbers {
        total = total.checked_add(number?).ok_or_else(out_of_range)?;
    }
    Ok(Value::Integer(total))
}

// Parameter helpers: each wrong shape is a fault with `INVALID_PARAMS` and a message that says
// what was expected.

fn exactly<const N: usize>(params: &[Value]) -> Result<&[Value; N], Fault> {
    params
        .try_into()
        .map_err(|_| invalid_params(format!("expected {N} parameter(s), got {}", params.len())))
}

fn lookup(params: &[Value]) -> Result<&'static Method, Fault> {
    let [name] = exactly(params)?;
    let name = as_string(name)?;
    METHODS
        .iter()
        .find(|m| m.name == name)
        .ok_or_else(|| Fault::new(codes::METHOD_NOT_FOUND, format!("no method {name:?}")))
}

fn as_struct(value: &Value) -> Result<&BTreeMap<String, Value>, Fault> {
    match value {
        Value::Struct(fields) => Ok(fields),
        _ => Err(invalid_params("expected a struct".to_owned())),
    }
}

fn as_array(value: &Value) -> Result<&[Value], Fault> {
    match value {
        Value::Array(items) => Ok(items),
        _ => Err(invalid_params("expected an array".to_owned())),
    }
}

fn as_string(value: &Value) -> Result<&str, Fault> {
    match value {
        Value::String(text) => Ok(text),
        _ => Err(invalid_params("expected a string".to_owned())),
    }
}

fn as_int(value: &Value) -> Result<i32, Fault> {
    match value {
        Value::Integer(n) => Ok(*n),
        _ => Err(invalid_params("expected an i4".to_owned())),
    }
}

/// A user id: an `i4`, or the `<i8>` extension.
fn id_param(value: &Value) -> Result<u64, Fault> {
    let id = match value {
        Value::Integer(id) => i64::from(*id),
        Value::Long(id) => *id,
        _ => return Err(invalid_params("the id must be an i4 or i8".to_owned())),
    };
    u64::try_from(id).map_err(|_| invalid_params("the id must not be negative".to_owned()))
}

fn int_field(fields: &BTreeMap<String, Value>, name: &str) -> Result<i32, Fault> {
    let value =
        fields.get(name).ok_or_else(|| invalid_params(format!("missing member {name:?}")))?;
    as_int(value).map_err(|_| invalid_params(format!("member {name:?} must be an i4")))
}

fn string_field(fields: &BTreeMap<String, Value>, name: &str) -> Result<String, Fault> {
    match fields.get(name) {
        Some(Value::String(text)) => Ok(text.clone()),
        Some(_) => Err(invalid_params(format!("member {name:?} must be a string"))),
        None => Err(invalid_params(format!("missing member {name:?}"))),
    }
}

fn count_field(fields: &BTreeMap<String, Value>, name: &str) -> Result<Option<usize>, Fault> {
    match fields.get(name) {
        None | Some(Value::Nil) => Ok(None),
        Some(Value::Integer(n)) => usize::try_from(*n)
            .map(Some)
            .map_err(|_| invalid_params(format!("member {name:?} must not be negative"))),
        Some(_) => Err(invalid_params(format!("member {name:?} must be an i4"))),
    }
}

fn invalid_params(message: String) -> Fault {
    Fault::new(codes::INVALID_PARAMS, message)
}

fn decode_fault(err: dxr::Error) -> Fault {
    invalid_params(err.to_string())
}

fn out_of_range() -> Fault {
    Fault::new(codes::OUT_OF_RANGE, "result out of the i4 range".to_owned())
}
